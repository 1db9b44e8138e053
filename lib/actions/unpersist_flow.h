#pragma once
// The unpersist flow behind `unmine unpersist`: the incident's indicators (the case's, merged with a live
// triage's, which are recorded), the compromise window, and the plan with its findings recorded in the
// case; then its --json documents. The command binds options and renders.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "actions/unpersist.h"
#include "core/notices.h"

namespace unmine {

struct UnpersistCasePlan {
  UnpersistPlan plan;
  IncidentIndicators incident;
  PersistenceWindow window;
};

// `since` is --since; without it the window starts at the case's first sign of the incident or a live
// miner's start, whichever is earlier. Notes say what the scan covered and what it could not tie or read.
UnpersistCasePlan plan_unpersist_for_case(const HostRoot& host, const Playbook& playbook, CaseStore& store,
                                          std::optional<int64_t> since, int64_t now, const Notices& notices);

// The dry run's document: plan[], findings, anomalies, indicators, weak_indicators, window, inventory.
nlohmann::json unpersist_plan_document(const UnpersistCasePlan& p);
// The apply's (and, with no findings, the undo's) document: actions[], findings, anomalies.
nlohmann::json unpersist_apply_document(const std::string& mode, const std::vector<UnpersistResult>& results,
                                        const UnpersistCasePlan* p);

// One line for a plan item's or action's target: "path:line (unit)".
std::string unpersist_target_text(const nlohmann::json& target);

}  // namespace unmine
