#pragma once
// One verify check: every re-check against the case (processes, connections, persistence, blocks,
// tuning) folded into findings, a verdict and the exit code; recorded as a `checks` row of the case.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "detect/verdict.h"
#include "host/host_root.h"
#include "host/system_tool.h"
#include "model/finding.h"
#include "playbook/playbook.h"
#include "verify/baseline.h"

namespace unmine {

class CaseStore;

struct CheckResult {
  int64_t id = 0;  // checks row, once recorded
  std::string started_at, finished_at;
  std::vector<Finding> findings;
  Verdict verdict;
  std::optional<Severity> severity;  // the highest of the findings' and the verdict's
  ExitCode exit_code = ExitCode::ok;
  nlohmann::json coverage = nlohmann::json::object();  // what was looked at: counts per part
  std::vector<std::string> notes;                      // what could not be checked

  bool clean() const { return exit_code == ExitCode::ok; }
  nlohmann::json to_json() const;
};

CheckResult run_check(const HostRoot& host, const Playbook& playbook, const ToolRunner& tools,
                      const CaseBaseline& baseline);

// Inserts the checks row (with its findings and verdict) and upserts the findings, linked to the step.
void record_check(CaseStore& store, CheckResult& check, std::optional<int64_t> step_id);

}  // namespace unmine
