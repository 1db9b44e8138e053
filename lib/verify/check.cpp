#include "verify/check.h"

#include "case/case_store.h"
#include "case/step_records.h"
#include "playbook/common_names.h"
#include "verify/block_check.h"
#include "verify/connection_check.h"
#include "verify/persistence_check.h"
#include "verify/process_check.h"
#include "verify/tuning_check.h"

namespace unmine {

nlohmann::json CheckResult::to_json() const {
  nlohmann::json j = {{"started_at", started_at},
                      {"finished_at", finished_at},
                      {"clean", clean()},
                      {"verdict", verdict.to_json()},
                      {"severity", severity ? std::string(to_string(*severity)) : std::string("none")},
                      {"exit_code", static_cast<int>(exit_code)},
                      {"findings", findings_json(findings)},
                      {"coverage", coverage},
                      {"notes", notes}};
  if (id) j["id"] = id;
  return j;
}

CheckResult run_check(const HostRoot& host, const Playbook& playbook, const ToolRunner& tools, const CaseBaseline& b) {
  CheckResult r;
  r.started_at = now_iso8601();
  if (b.empty())
    r.notes.emplace_back("the case holds no indicators, preserved executables or actions to check against");
  if (!host.has_proc()) r.notes.emplace_back("no procfs: processes and connections not checked");

  // A miner named like a system program (sshd, node): its name alone would report the real one.
  CaseBaseline by_strong_names = b;
  auto common = CommonNames::load(playbook);
  std::erase_if(by_strong_names.indicators.names, [&](const std::string& n) { return common.matches(n); });
  auto procs = check_processes(host, by_strong_names);
  auto conns = check_connections(host, b);
  auto persist = check_persistence(host, playbook, b);
  auto blocks = check_blocks(host, tools, b);
  auto tuning = tuning_findings(read_tuning(host), b.saw_tuning);

  std::vector<Finding> all;
  for (auto* part : {&procs.findings, &conns.findings, &persist.findings, &blocks.findings, &tuning})
    all.insert(all.end(), part->begin(), part->end());
  r.findings = dedupe(std::move(all));
  for (auto& n : conns.notes) r.notes.push_back(n);
  for (auto& n : blocks.notes) r.notes.push_back(n);
  r.coverage = {
      {"processes", procs.processes},  {"executables_hashed", procs.hashed},         {"sockets", conns.sockets},
      {"socket_source", conns.source}, {"unpersisted_artifacts", persist.artifacts}, {"blocks", blocks.blocks},
      {"complete", conns.complete}};

  r.verdict = attack_chain_verdict(r.findings);
  r.severity = highest(r.findings);
  if (r.severity == Severity::info) r.severity.reset();
  if (r.verdict.severity && (!r.severity || *r.verdict.severity > *r.severity)) r.severity = r.verdict.severity;
  r.exit_code = exit_code_for(r.severity);
  r.finished_at = now_iso8601();
  return r;
}

void record_check(CaseStore& store, CheckResult& check, std::optional<int64_t> step_id) {
  auto findings = findings_json(check.findings);
  nlohmann::json step = step_id ? nlohmann::json(*step_id) : nlohmann::json(nullptr);
  {
    CaseStore::Transaction tx(store);
    check.id = record_check_row(store, step_id,
                                {check.started_at, check.finished_at, check.verdict.to_json(),
                                 check.severity ? std::string(to_string(*check.severity)) : std::string("none"),
                                 static_cast<int>(check.exit_code), findings});
    store.custody("check.recorded", {{"check_id", check.id},
                                     {"step_id", step},
                                     {"exit_code", static_cast<int>(check.exit_code)},
                                     {"findings", check.findings.size()}});
    tx.commit();
  }
  store.record_findings(check.findings, step_id);
}

}  // namespace unmine
