#pragma once
// evidence verify: every stored item and archive re-hashed against the database, the database's hashes
// checked against what custody recorded when they were stored, and the custody chain recomputed.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "case/case_store.h"
#include "evidence/evidence_store.h"

namespace unmine {

struct IntegrityProblem {
  std::string target;     // evidence | archive | custody
  int64_t id = 0;         // evidence id, archive id or custody seq
  std::string path;       // stored path, when there is one
  std::string problem;    // one line, what does not match
  std::string host = {};  // in a fleet case, the merged host whose item or chain it is; empty: the case's own
  nlohmann::json to_json() const;
};

struct IntegrityReport {
  uint64_t items = 0, archives = 0, custody_rows = 0, bytes = 0;
  uint64_t hosts = 0;        // merged hosts checked (a fleet case)
  uint64_t incomplete = 0;   // items left 'pending' by an interrupted run (never counted as preserved)
  std::string custody_head;  // hash of the last custody record checked: note it elsewhere to anchor the chain
  std::vector<IntegrityProblem> problems;
  bool intact() const { return problems.empty(); }
  nlohmann::json to_json() const;
};

IntegrityReport verify_case_integrity(const CaseStore& store, const PreserveProgress& progress = {});

// The case's own custody chain alone: seq without gaps from 1, each prev_hash the hash before, each hash recomputed.
std::vector<IntegrityProblem> verify_custody_chain(const CaseStore& store, uint64_t* rows = nullptr);

}  // namespace unmine
