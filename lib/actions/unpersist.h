#pragma once
// unpersist: neutralise the persistence tied to the incident, smallest thing first (one cron line, one
// key, one ld.so.preload entry, one unit), after preserving what is changed, and undo it byte for byte.
//
// Per artifact, in this order, so a kill -9 anywhere never leaves a change without its preserved copy:
//   1. read the file once; store those bytes in the case (fsynced) ...
//   2. ... and in ONE transaction record the evidence row ('stored') and the action row ('pending', with
//      before state, expected after state and undo data);
//   3. clear immutable/append-only flags, change the host through Effects, re-read to verify;
//   4. mark the action done or failed (a later run settles actions left pending by a crash).
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "actions/effects.h"
#include "case/case_store.h"
#include "model/finding.h"
#include "persist/persistence.h"

namespace unmine {

struct UnpersistItem {
  PersistenceArtifact artifact;
  std::string
      action_kind;  // unpersist.line | unpersist.entry | unpersist.file | unpersist.unit_files | unpersist.systemctl
  nlohmann::json target() const;  // {kind, path, line, unit, text, rule, links}
  std::string rule;               // the finding's rule, for the plan table
};

struct UnpersistPlan {
  std::vector<UnpersistItem> items;  // in the order they are applied
  PersistenceScan scan;
  bool systemd_live = false;  // systemd is PID 1 of the live root: units are stopped with systemctl
};

// Which artifacts to neutralise and how. Never changes anything. `window` decides which entries are new
// (shown, never neutralised); default the last 30 days.
UnpersistPlan plan_unpersist(const HostRoot& host, const Playbook& playbook, const IncidentIndicators& incident,
                             std::optional<PersistenceWindow> window = std::nullopt);

struct UnpersistResult {
  int64_t id = 0;  // actions.id
  std::string kind;
  nlohmann::json target;
  std::string reason;  // finding id
  std::string status;  // done | failed | skipped
  std::optional<int64_t> evidence_id;
  std::optional<int64_t> undo_of;
  std::string error;
  std::string note;
  nlohmann::json to_json() const;
};

struct HostNeeds;
class DpkgDatabase;
// Why applying an item would harm the host, or nullopt: an unmodified package file, unmine's own files, the
// executables, unit files and enabling links of what the host needs (host_needs.h).
std::optional<std::string> harm_in(const UnpersistItem& item, const HostRoot& host, const DpkgDatabase& dpkg,
                                   const HostNeeds& needs);
// The needs of the live host (its process table, unmine's ancestry and SSH_CONNECTION, its executable, the
// case folder); throws SafetyRefusal naming every item of the plan that harm_in refuses.
void guard_unpersist(const UnpersistPlan& plan, const HostRoot& host, const std::filesystem::path& case_dir);

// Applies the plan; one result per item (a failure is recorded and the next item is tried). Refuses the
// whole plan first (SafetyRefusal, nothing changed) when guard_unpersist does.
std::vector<UnpersistResult> apply_unpersist(const UnpersistPlan& plan, CaseStore& store, const HostRoot& host,
                                             Effects& effects);

// Restores what action `id` changed, byte for byte with mode, owner and inode flags, and records it.
UnpersistResult undo_unpersist(int64_t action_id, CaseStore& store, const HostRoot& host, Effects& effects);

// Settles unpersist actions left 'pending' by an interrupted run: done when the change is on disk,
// failed when it is not (flags cleared before the interruption are put back). Returns how many.
int settle_pending_unpersist(CaseStore& store, const HostRoot& host, Effects& effects);

// True when the inspected root is the running system and its PID 1 is systemd.
bool systemd_is_pid1(const HostRoot& host);

}  // namespace unmine
