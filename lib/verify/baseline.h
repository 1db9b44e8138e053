#pragma once
// What a verify check compares the host against: everything the case recorded about the incident
// (indicators, preserved executables, neutralised persistence, blocks in force, tuning it saw).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "model/incident.h"

namespace unmine {

class CaseStore;

struct RecordedAction {
  int64_t id = 0;
  std::string kind;
  nlohmann::json target, before, after, undo;
};

struct CaseBaseline {
  IncidentIndicators indicators;
  std::vector<std::string> cmdline_patterns;  // indicators of type cmdline (substrings of a miner's cmdline)
  std::map<std::string, uint64_t> exe_sizes;  // sha256 -> size of preserved executables (evidence kind exe)
  std::vector<RecordedAction> unpersisted;    // unpersist.* actions done and not undone
  std::vector<RecordedAction> blocks;         // block.* actions done and not undone
  bool saw_tuning = false;                    // the case found system_optimization before

  // Every sha256 the case ties to a miner executable (indicators and preserved exe evidence).
  std::set<std::string> exe_hashes() const;
  bool empty() const;

  static CaseBaseline from_case(const CaseStore& store);
};

}  // namespace unmine
