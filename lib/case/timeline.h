#pragma once
// The case against the playbook's time boxes (playbooks/<name>/steps.json): which steps are done, when
// and with what outcome, which time box is running and which are late, measured from the case's
// created_at. Used by `status` and by the report.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "case/case_store.h"
#include "core/iso8601.h"

namespace unmine {

struct StepProgress {
  std::string id, title, time_box, command;
  bool critical = false;
  bool manual = false;  // done outside this host; no command records it
  // done | running | failed | refused | planned (dry run only) | not_started | manual
  std::string state = "not_started";
  std::optional<std::string> at;           // when it was done (or last ran)
  std::string outcome;                     // the recording command's one line
  std::vector<std::string> commands_done;  // which recorded_by ids have a done run
  int runs = 0;
  bool late = false;  // not done and its time box has passed
  nlohmann::json to_json() const;
};

struct TimeBoxProgress {
  std::string id, title;
  int64_t minutes = 0;
  std::string deadline;  // created_at + minutes
  std::string state;     // done | running | late | upcoming
  std::optional<std::string> done_at;
  bool done_late = false;  // every step done, but after the deadline
  nlohmann::json to_json() const;
};

struct BlockInForce {
  int64_t action_id = 0;
  std::string kind;
  nlohmann::json target;
  std::string at;
};

struct CaseTimeline {
  std::string created_at, now;
  int64_t elapsed_seconds = 0;
  std::string current_time_box;  // the first box not done whose deadline has not passed ("" if none)
  std::vector<TimeBoxProgress> boxes;
  std::vector<StepProgress> steps;
  std::vector<BlockInForce> blocks;
  nlohmann::json to_json() const;
};

// steps_def: the playbook's steps.json. now: unix seconds.
CaseTimeline build_timeline(const CaseStore& store, const nlohmann::json& steps_def, int64_t now);
// The same for one case of the database (a merged host of a fleet case).
CaseTimeline build_timeline(const CaseStore& store, int64_t case_id, const nlohmann::json& steps_def, int64_t now);

}  // namespace unmine
