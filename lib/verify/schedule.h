#pragma once
// verify --schedule / --unschedule: installs or removes the recurring check (schedule_files.h) through
// Effects, each as an `actions` row (verify.schedule / verify.unschedule) holding what undoes it.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "actions/effects.h"
#include "host/host_root.h"
#include "verify/schedule_files.h"

namespace unmine {

class CaseStore;

struct ScheduleOutcome {
  nlohmann::json plan = nlohmann::json::array();     // without --apply
  nlohmann::json actions = nlohmann::json::array();  // with --apply
  std::vector<std::string> notes;
};

// systemd is PID 1 of the live root (its runtime folder exists, as sd_booted checks).
bool systemd_running(const HostRoot& host);

ScheduleOutcome schedule_verify(CaseStore& store, const HostRoot& host, Effects& effects, const ScheduleSpec& spec,
                                bool apply, bool systemd_live);
// Removes every schedule of the case still installed (restoring a file it replaced, byte for byte).
ScheduleOutcome unschedule_verify(CaseStore& store, const HostRoot& host, Effects& effects, bool apply,
                                  bool systemd_live);

}  // namespace unmine
