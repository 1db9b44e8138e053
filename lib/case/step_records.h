#pragma once
// The step recorder: what a step produced, into the case under its step id. Findings go through
// CaseStore::record_findings; these write the other step-stamped rows. Call inside the caller's
// transaction, with the custody row that goes with them.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "case/case_store.h"

namespace unmine {

// One observation of a miner (miners.data: the contract miners[] object, MinerInfo::to_json).
struct MinerRecord {
  int pid = 0;
  std::string exe;         // as the caller shows it
  std::string exe_sha256;  // empty: NULL
  std::string family;
  nlohmann::json data;
  std::string seen_at;
};
void record_miner(CaseStore& store, std::optional<int64_t> step_id, const MinerRecord& m);

// One verify check: its verdict and findings. Returns the check's id.
struct CheckRecord {
  std::string started_at, finished_at;
  nlohmann::json verdict;
  std::string severity;  // "none" when nothing was found
  int exit_code = 0;
  nlohmann::json findings;  // array of finding objects
};
int64_t record_check_row(CaseStore& store, std::optional<int64_t> step_id, const CheckRecord& c);

}  // namespace unmine
