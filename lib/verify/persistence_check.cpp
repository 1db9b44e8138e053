#include "verify/persistence_check.h"

#include "core/hashing.h"
#include "core/text.h"
#include "persist/persistence.h"

namespace unmine {
namespace {

constexpr size_t kMaxArtifactBytes = 4u << 20;

std::string json_string(const nlohmann::json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return {};
}

// The contract finding kind of an artifact: what the action recorded, else what its path says.
std::string artifact_kind(const RecordedAction& a, const std::string& path) {
  if (auto k = json_string(a.target, "kind"); !k.empty()) return k;
  if (path.find("cron") != std::string::npos) return "cron";
  if (path.find("systemd") != std::string::npos) return "systemd";
  if (path.find("ld.so.preload") != std::string::npos) return "ld_preload";
  if (path.find("authorized_keys") != std::string::npos) return "ssh_key";
  if (path.find("autostart") != std::string::npos) return "xdg_autostart";
  if (path.find("/etc/rc") != std::string::npos || path.find("init.d") != std::string::npos) return "rc_script";
  return "shell_profile";
}

bool has_line(std::string_view content, std::string_view wanted) {
  wanted = trim(wanted);
  for (auto line : lines(content))
    if (trim(line) == wanted) return true;
  return false;
}

}  // namespace

std::optional<Finding> recheck_unpersisted(const HostRoot& host, const RecordedAction& a,
                                           const IncidentIndicators& incident) {
  auto path = json_string(a.target, "path");
  if (path.empty()) return std::nullopt;
  auto file = host.read(path, kMaxArtifactBytes);
  if (!file) return std::nullopt;
  auto text = json_string(a.target, "text");
  if (text.empty()) text = json_string(a.before, "line");
  std::string why;
  nlohmann::json evidence = {{"rule", "unpersisted"}, {"action_id", a.id}};
  if (!text.empty()) {
    if (!has_line(file->data, text)) return std::nullopt;
    why = "the neutralised line is back";
    evidence["matched"] = printable(text);
  } else {
    auto before_hash = json_string(a.before, "sha256");
    if (!before_hash.empty() && sha256_hex(file->data) == before_hash) {
      why = "the neutralised file is back, byte for byte";
      evidence["sha256"] = before_hash;
    } else if (auto hit = incident.referenced_in(file->data)) {
      why = "the neutralised file is back and names the incident's " + hit->type + " " + printable(hit->value);
      evidence["matched"] = printable(hit->value);
    } else {
      return std::nullopt;
    }
  }
  auto f = make_finding(Group::persistence, artifact_kind(a, path), Severity::high,
                        printable(path) + ": " + why + " (action " + std::to_string(a.id) + ")",
                        "verify-unpersisted|" + std::to_string(a.id));
  f.path = printable(path);
  if (a.target.contains("line") && a.target["line"].is_number_integer()) f.line = a.target["line"].get<int>();
  f.evidence = std::move(evidence);
  return f;
}

PersistenceCheck check_persistence(const HostRoot& host, const Playbook& playbook, const CaseBaseline& b) {
  PersistenceCheck out;
  for (auto& a : b.unpersisted) {
    ++out.artifacts;
    if (auto f = recheck_unpersisted(host, a, b.indicators)) out.findings.push_back(std::move(*f));
  }
  if (!b.indicators.empty()) {
    auto scan = scan_persistence(host, playbook, b.indicators);
    // A recurrence is something tied or malicious: entries merely new in the window were shown by validate.
    for (auto& f : scan.findings)
      if (f.entry_class != "new") out.findings.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
