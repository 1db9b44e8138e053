#include "persist/persistence.h"

#include <ctime>

#include "core/iso8601.h"
#include "host/dpkg_db.h"
#include "persist/scan_context.h"
#include "persist/scanners.h"
#include "playbook/common_names.h"

namespace unmine {

std::string_view to_string(Neutralise n) {
  switch (n) {
    case Neutralise::line: return "line";
    case Neutralise::file: return "file";
    case Neutralise::unit: return "unit";
  }
  return "line";
}

nlohmann::json PersistenceAnomaly::to_json() const {
  nlohmann::json j{{"path", path}, {"message", message}};
  if (line && *line > 0) j["line"] = *line;
  return j;
}

namespace {

// The incident without what ties nothing alone: a miner renamed "sshd" or "node" names every ssh.service
// or node app on the host; only its full path, folder, hash, wallet, pool or config are its own.
IncidentIndicators strong_indicators(const IncidentIndicators& incident, const CommonNames& common,
                                     const DpkgDatabase& dpkg, std::vector<std::string>& weak) {
  IncidentIndicators out = incident;
  for (auto& n : incident.names)
    if (common.matches(n) || dpkg.ships_name(n)) {
      out.names.erase(n);
      weak.push_back(n);
    }
  for (auto& p : incident.paths)
    if (dpkg.owns(p)) {
      out.paths.erase(p);
      weak.push_back(p);
    }
  return out;
}

}  // namespace

PersistenceWindow persistence_window(std::optional<int64_t> since,
                                     std::optional<std::pair<int64_t, std::string>> first_sign, int64_t now) {
  if (since) return {*since, "since", "from --since"};
  // A day before the first sign: the persistence that started the miner was written before it ran.
  if (first_sign && first_sign->first > 0 && first_sign->first <= now)
    return {first_sign->first - int64_t{24} * 3600, "incident",
            "a day before the incident's first sign (" + first_sign->second + ")"};
  return {now - kDefaultPersistenceWindow, "default",
          "the last 30 days (no --since, no first sign of the incident known)"};
}

nlohmann::json PersistenceWindow::to_json() const {
  return {{"start", iso8601(start)}, {"basis", basis}, {"reason", reason}};
}

nlohmann::json PersistenceInventory::to_json() const {
  return {{"files", files}, {"tied", tied}, {"malicious", malicious}, {"new", new_entries}, {"known", known}};
}

std::string PersistenceInventory::describe(const PersistenceWindow& window) const {
  return "persistence: " + std::to_string(files) + " file(s): " + std::to_string(tied) + " tied, " +
         std::to_string(malicious) + " malicious, " + std::to_string(new_entries) + " new, " + std::to_string(known) +
         " known (not listed); new means changed since " + iso8601(window.start) + ", " + window.reason;
}

PersistenceScan scan_persistence(const HostRoot& host, const Playbook& playbook, const IncidentIndicators& incident,
                                 std::optional<PersistenceWindow> window) {
  auto rules = PersistenceRules::load(playbook);
  auto dpkg = DpkgDatabase::load(host);
  PersistenceScan out;
  out.window = window ? *window : persistence_window(std::nullopt, std::nullopt, ::time(nullptr));
  auto strong = strong_indicators(incident, CommonNames::load(playbook), dpkg, out.weak_indicators);
  ScanContext ctx(host, rules, strong, dpkg, out);
  for (auto& scanner : persistence_scanners()) scanner.scan(ctx);
  ctx.finish();
  out.findings = dedupe(std::move(out.findings));
  return out;
}

}  // namespace unmine
