#include "case/detection_record.h"

#include "case/indicators_store.h"
#include "case/step_records.h"
#include "core/text.h"

namespace unmine {

void record_triage(CaseStore& store, const TriageResult& r, const std::string& source) {
  store.record_findings(r.findings, store.current_step());  // its own transaction
  CaseStore::Transaction tx(store);
  const auto seen = now_iso8601();
  for (auto& m : r.miners)
    record_miner(store, store.current_step(), {m.proc.pid, m.proc.exe, m.exe_sha256, m.family, m.to_json(), seen});
  record_indicators(store, r.indicators, source);
  store.custody(source + ".recorded",
                {{"findings", r.findings.size()}, {"miners", r.miners.size()}, {"verdict", r.verdict.to_json()}});
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
    record_miner(
        store, step_id,
        {m.info.proc.pid, printable(m.info.proc.exe), m.info.exe_sha256, m.info.family, m.info.to_json(), now});
    ++recorded;
  }
  record_indicators(store, r.indicators, "identify");
  store.custody("identify.recorded", {{"step_id", step}, {"miners", recorded}, {"files", r.files.size()}});
  tx.commit();
}

}  // namespace unmine
