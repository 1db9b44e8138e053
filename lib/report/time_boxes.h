#pragma once
// The response quickstart's time boxes (15 min, 60 min, 4 h, 72 h from the case's start) and when each
// playbook step was done against its box.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace unmine {

struct TimeBox {
  std::string step;
  int64_t budget_seconds;
};

// The boxes of the cryptomining playbook's steps, in playbook order.
const std::vector<TimeBox>& playbook_time_boxes();

// One row a step: {step, budget_seconds, deadline, started_at, finished_at, status, outcome, late, runs}.
// steps: rows of the steps table (step, started_at, finished_at, status, outcome), oldest first.
nlohmann::json time_box_rows(const std::string& case_created_at, const std::vector<nlohmann::json>& steps,
                             int64_t now_unix);

}  // namespace unmine
