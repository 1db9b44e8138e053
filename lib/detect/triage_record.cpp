#include "case/case_store.h"
#include "detect/triage.h"

namespace unmine {

void record_triage(CaseStore& store, const TriageResult& r, const std::string& source) {
  store.record_findings(r.findings, store.current_step());  // its own transaction
  CaseStore::Transaction tx(store);
  const auto seen = now_iso8601();
  for (auto& m : r.miners) {
    auto step = store.current_step();
    store.exec("INSERT INTO miners(case_id, step_id, pid, exe, exe_sha256, family, data, seen_at) VALUES(?,?,?,?,?,?,?,?)",
               {store.case_id(), step ? nlohmann::json(*step) : nlohmann::json(nullptr), m.proc.pid, m.proc.exe,
                m.exe_sha256, m.family, m.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), seen});
  }
  r.indicators.record(store, source);
  store.custody(source + ".recorded", {{"findings", r.findings.size()},
                                       {"miners", r.miners.size()},
                                       {"verdict", r.verdict.to_json()}});
  tx.commit();
}

}  // namespace unmine
