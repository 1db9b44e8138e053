#include "case/detection_record.h"

#include "case/indicators_store.h"
#include "core/text.h"

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
  record_indicators(store, r.indicators, source);
  store.custody(source + ".recorded", {{"findings", r.findings.size()},
                                       {"miners", r.miners.size()},
                                       {"verdict", r.verdict.to_json()}});
  tx.commit();
}

void record_identify(CaseStore& store, const IdentifyResult& r, std::optional<int64_t> step_id) {
  store.record_findings(r.findings, step_id);
  CaseStore::Transaction tx(store);
  auto now = now_iso8601();
  nlohmann::json step = step_id ? nlohmann::json(*step_id) : nlohmann::json(nullptr);
  size_t recorded = 0;
  for (auto& m : r.miners) {
    if (!m.is_miner) continue;
    store.exec("INSERT INTO miners(case_id, step_id, pid, exe, exe_sha256, family, data, seen_at) VALUES(?,?,?,?,?,?,?,?)",
               {store.case_id(), step, m.info.proc.pid, printable(m.info.proc.exe), m.info.exe_sha256, m.info.family,
                m.info.to_json().dump(), now});
    ++recorded;
  }
  record_indicators(store, r.indicators, "identify");
  store.custody("identify.recorded", {{"step_id", step}, {"miners", recorded}, {"files", r.files.size()}});
  tx.commit();
}

}  // namespace unmine
