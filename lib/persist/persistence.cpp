#include "persist/persistence.h"

#include "host/dpkg_db.h"
#include "persist/at_jobs.h"
#include "persist/cron.h"
#include "persist/hosts_file.h"
#include "persist/init_scripts.h"
#include "persist/ld_preload.h"
#include "persist/profiles.h"
#include "persist/scan_context.h"
#include "persist/ssh_keys.h"
#include "persist/sysctl.h"
#include "persist/systemd.h"
#include "persist/udev.h"
#include "persist/xdg_autostart.h"
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
IncidentIndicators strong_indicators(const IncidentIndicators& incident, const CommonNames& common, const DpkgDatabase& dpkg,
                                     std::vector<std::string>& weak) {
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

PersistenceScan scan_persistence(const HostRoot& host, const Playbook& playbook, const IncidentIndicators& incident) {
  auto rules = PersistenceRules::load(playbook);
  auto dpkg = DpkgDatabase::load(host);
  PersistenceScan out;
  auto strong = strong_indicators(incident, CommonNames::load(playbook), dpkg, out.weak_indicators);
  ScanContext ctx(host, rules, strong, dpkg, out);
  scan_cron(ctx);
  scan_at_jobs(ctx);
  scan_systemd(ctx);
  scan_init_scripts(ctx);
  scan_ld_preload(ctx);
  scan_ssh_keys(ctx);
  scan_profiles(ctx);
  scan_xdg_autostart(ctx);
  scan_udev(ctx);
  scan_sysctl(ctx);
  scan_hosts_file(ctx);
  out.findings = dedupe(std::move(out.findings));
  return out;
}

}  // namespace unmine
