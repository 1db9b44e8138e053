#include "actions/unpersist_flow.h"

#include "case/indicators_store.h"
#include "core/text.h"
#include "detect/triage.h"

namespace unmine {

UnpersistCasePlan plan_unpersist_for_case(const HostRoot& host, const Playbook& playbook, CaseStore& store,
                                          std::optional<int64_t> since, int64_t now, const Notices& notices) {
  // The live miners (if still running) and what earlier steps recorded: it works after the kill.
  TriageOptions topt;
  topt.persistence = false;
  auto live = run_triage(host, playbook, topt);
  UnpersistCasePlan p;
  p.incident = load_indicators(store);
  if (!live.indicators.empty()) {
    CaseStore::Transaction tx(store);
    record_indicators(store, live.indicators, "unpersist");
    tx.commit();
    p.incident.merge(live.indicators);
  }
  if (p.incident.empty())
    notices.note(
        "no incident indicators (no live miner, none recorded in the case): only the playbook's rules tie artifacts");

  auto sign = first_incident_sign(store);
  for (auto& m : live.miners)
    if (m.proc.started_at > 0 && (!sign || m.proc.started_at < sign->first))
      sign = std::make_pair(m.proc.started_at, "miner pid " + std::to_string(m.proc.pid) + " started");
  p.window = persistence_window(since, sign, now);
  p.plan = plan_unpersist(host, playbook, p.incident, p.window);

  auto& scan = p.plan.scan;
  notices.note(scan.inventory.describe(p.window) + "; only tied and malicious entries are neutralised");
  if (!scan.weak_indicators.empty())
    notices.note(
        "too common to tie anything alone (only with the miner's path, folder, hash, wallet, pool or "
        "config): " +
        printable(joined(scan.weak_indicators)));
  store.record_findings(scan.findings, store.current_step());
  for (auto& a : scan.anomalies)
    notices.note(terminal_safe(a.path + (a.line ? ":" + std::to_string(*a.line) : std::string()) + ": " + a.message));
  return p;
}

namespace {

nlohmann::json anomalies_json(const PersistenceScan& scan) {
  nlohmann::json a = nlohmann::json::array();
  for (auto& x : scan.anomalies) a.push_back(x.to_json());
  return a;
}

}  // namespace

nlohmann::json unpersist_plan_document(const UnpersistCasePlan& p) {
  nlohmann::json items = nlohmann::json::array();
  for (auto& it : p.plan.items)
    items.push_back({{"kind", it.action_kind}, {"target", it.target()}, {"reason", it.artifact.finding_id}});
  nlohmann::json weak = nlohmann::json::array();
  for (auto& w : p.plan.scan.weak_indicators) weak.push_back(printable(w));
  return {{"mode", "plan"},
          {"plan", items},
          {"findings", findings_json(p.plan.scan.findings)},
          {"anomalies", anomalies_json(p.plan.scan)},
          {"indicators", p.incident.to_json()},
          {"weak_indicators", weak},
          {"systemd_live", p.plan.systemd_live},
          {"window", p.window.to_json()},
          {"inventory", p.plan.scan.inventory.to_json()}};
}

nlohmann::json unpersist_apply_document(const std::string& mode, const std::vector<UnpersistResult>& results,
                                        const UnpersistCasePlan* p) {
  nlohmann::json actions = nlohmann::json::array();
  for (auto& r : results) actions.push_back(r.to_json());
  nlohmann::json doc = {{"mode", mode}, {"actions", actions}};
  if (p) {
    doc["findings"] = findings_json(p->plan.scan.findings);
    doc["anomalies"] = anomalies_json(p->plan.scan);
  }
  return doc;
}

std::string unpersist_target_text(const nlohmann::json& target) {
  std::string s = target.value("path", "");
  if (target.contains("line")) s += ":" + std::to_string(target["line"].get<int>());
  if (target.contains("unit")) s += " (" + target["unit"].get<std::string>() + ")";
  return s;
}

}  // namespace unmine
