#pragma once
// The kill flow behind `unmine kill`: triage the processes (or the PIDs named), plan the whole tree
// (kill_plan), and with apply carry it out (apply_kill), then optionally watch for a respawn and record
// what came back. The command binds options and renders the result.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "actions/effects.h"
#include "actions/kill.h"
#include "actions/kill_plan.h"
#include "case/case_store.h"
#include "core/notices.h"
#include "detect/respawn.h"
#include "host/host_root.h"
#include "playbook/playbook.h"

namespace unmine {

struct KillRequest {
  std::vector<int> pids;  // empty: every miner triage reports
  bool apply = false;
  bool force = false;        // kill even when an executable is not preserved
  double watch_seconds = 0;  // after the kill, watch this long for a respawn (needs apply)
};

struct KillFlowResult {
  KillPlan plan;
  std::optional<Severity> severity;  // the worst finding of a planned process
  bool applied = false;              // apply and something to kill: `result` holds the actions
  KillResult result;
  std::vector<Respawn> respawns;
};

// The contract document of the run: the plan (dry run) or the actions (with the respawns when watched),
// what was left running and why, and the notes. A kill cannot be undone: undo is null.
nlohmann::json kill_document(const KillFlowResult& flow, const KillRequest& request);
// One line for the case's step and the terminal: "killed 2 of 3 process(es), 1 failed, 1 respawn(s)".
std::string kill_outcome(const KillFlowResult& flow);

// Throws UsageError (--watch without apply), RuntimeError (apply without the live procfs) and SafetyRefusal
// (a protected process named with a PID, or an executable not preserved without force).
KillFlowResult kill_flow(const HostRoot& host, const Playbook& playbook, CaseStore& store, Effects& effects,
                         const KillRequest& request, const Notices& notices);

}  // namespace unmine
