#include "case/step_records.h"

namespace unmine {
namespace {

nlohmann::json or_null(std::optional<int64_t> v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); }

}  // namespace

void record_miner(CaseStore& store, std::optional<int64_t> step_id, const MinerRecord& m) {
  store.exec(
      "INSERT INTO miners(case_id, step_id, pid, exe, exe_sha256, family, data, seen_at) VALUES(?,?,?,?,?,?,?,?)",
      {store.case_id(), or_null(step_id), m.pid, m.exe,
       m.exe_sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.exe_sha256), m.family, m.data, m.seen_at});
}

int64_t record_check_row(CaseStore& store, std::optional<int64_t> step_id, const CheckRecord& c) {
  store.exec(
      "INSERT INTO checks(case_id, step_id, started_at, finished_at, verdict, severity, exit_code, findings)"
      " VALUES(?,?,?,?,?,?,?,?)",
      {store.case_id(), or_null(step_id), c.started_at, c.finished_at, c.verdict, c.severity, c.exit_code, c.findings});
  return store.last_insert_id();
}

}  // namespace unmine
