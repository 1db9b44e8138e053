#pragma once
// Carries out a kill plan so that nothing is lost and the miner cannot win a race: refuse unless every
// executable is preserved; take a pidfd of every member and check it is still the planned process (a
// recycled PID is never signalled); SIGSTOP the whole tree, freeze children forked meanwhile, verify all
// are stopped; SIGKILL all; confirm each is gone. Every member is an `actions` row. Killing cannot be
// undone: the preserved copy of the executable is what is kept.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "actions/effects.h"
#include "actions/kill_plan.h"
#include "case/case_store.h"
#include "host/process_source.h"

namespace unmine {

struct KillOptions {
  bool force = false;            // kill even when an executable is not preserved
  int freeze_timeout_ms = 2000;  // how long to wait for the tree to show as stopped
  int exit_timeout_ms = 5000;    // how long to wait for the killed tree to be gone
};

struct KillAction {
  int64_t id = 0;  // actions.id
  KillPlanEntry entry;
  std::string status = "pending";                    // done | failed | skipped
  nlohmann::json before = nlohmann::json::object();  // state, exe, sha256, cmdline, cpu_seconds, ...
  nlohmann::json after = nlohmann::json::object();   // gone
  std::optional<int64_t> evidence_id;                // the preserved copy of the executable
  std::string error;                                 // why it failed or was skipped

  nlohmann::json to_json() const;  // contract actions[] entry; "undo" is null: a kill cannot be undone
};

struct KillResult {
  std::vector<KillAction> actions;  // the plan's members, then children forked during the freeze
  std::vector<std::string> notes;
  size_t count(std::string_view status) const;
};

// Throws SafetyRefusal, before touching anything, when an executable is not preserved and !force.
KillResult apply_kill(const KillPlan& plan, const ProcessSource& procs, Effects& effects, CaseStore& store,
                      const KillOptions& options);

}  // namespace unmine
