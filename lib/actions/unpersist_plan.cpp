#include <algorithm>
#include <map>
#include <set>

#include "actions/unpersist.h"
#include "core/text.h"
#include "persist/ld_preload.h"

namespace unmine {

bool systemd_is_pid1(const HostRoot& host) {
  if (!host.is_live_root() || !host.proc_is_live()) return false;
  auto comm = host.read_proc("1/comm", 256);
  return comm && trim(comm->data) == "systemd";
}

nlohmann::json UnpersistItem::target() const {
  auto& a = artifact;
  nlohmann::json t{{"kind", a.kind},
                   {"path", printable(a.path)},
                   {"how", action_kind.substr(std::string_view("unpersist.").size())}};
  if (a.line) t["line"] = *a.line;
  if (a.unit) t["unit"] = printable(*a.unit);
  if (!a.text.empty()) t["text"] = a.text;
  if (!rule.empty()) t["rule"] = rule;
  if (!a.entry.empty()) t["entry"] = printable(a.entry);
  if (!a.links.empty()) {
    t["links"] = nlohmann::json::array();
    for (auto& l : a.links) t["links"].push_back(printable(l));
  }
  return t;
}

namespace {

// ld.so.preload lines usually hold one library; only a shared line needs the entry-level edit.
bool line_has_other_entries(const PersistenceArtifact& a) { return parse_ld_so_preload(a.raw_line).size() > 1; }

std::string action_kind_for(const PersistenceArtifact& a, bool systemd_live) {
  switch (a.how) {
    case Neutralise::line:
      return a.kind == "ld_preload" && line_has_other_entries(a) ? "unpersist.entry" : "unpersist.line";
    case Neutralise::file: return "unpersist.file";
    case Neutralise::unit: return systemd_live && !a.user_unit ? "unpersist.systemctl" : "unpersist.unit_files";
  }
  return "unpersist.line";
}

}  // namespace

UnpersistPlan plan_unpersist(const HostRoot& host, const Playbook& playbook, const IncidentIndicators& incident,
                             std::optional<PersistenceWindow> window) {
  UnpersistPlan plan;
  plan.systemd_live = systemd_is_pid1(host);
  plan.scan = scan_persistence(host, playbook, incident, std::move(window));
  std::map<std::string, std::string> rule_of;
  for (auto& f : plan.scan.findings) rule_of[f.id] = f.evidence.value("rule", "");
  std::set<std::tuple<std::string, int, std::string>> seen;
  for (auto& a : plan.scan.artifacts) {
    if (!a.tied) continue;
    auto kind = action_kind_for(a, plan.systemd_live);
    if (!seen.insert({a.path, a.line.value_or(0), kind}).second) continue;
    plan.items.push_back({a, kind, rule_of[a.finding_id]});
  }
  // Same file: bottom line first, so the line numbers of the others still hold when they are edited.
  std::stable_sort(plan.items.begin(), plan.items.end(), [](const UnpersistItem& x, const UnpersistItem& y) {
    if (x.artifact.path != y.artifact.path) return x.artifact.path < y.artifact.path;
    return x.artifact.line.value_or(0) > y.artifact.line.value_or(0);
  });
  return plan;
}

nlohmann::json UnpersistResult::to_json() const {
  nlohmann::json j{
      {"id", id},         {"kind", kind},
      {"target", target}, {"reason", reason},
      {"status", status}, {"evidence_id", evidence_id ? nlohmann::json(*evidence_id) : nlohmann::json(nullptr)}};
  if (undo_of) j["undo_of"] = *undo_of;
  if (!error.empty()) j["error"] = error;
  if (!note.empty()) j["note"] = note;
  return j;
}

}  // namespace unmine
