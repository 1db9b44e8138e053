#pragma once
// The case's `actions` table: what a command did (or planned, or refused) to the host, with what it needs to
// be undone. A row is written before the host is touched (status pending, with its undo data) and settled
// after, so a crash in between leaves a row that says what was under way and how to roll it back.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "case/case_store.h"

namespace unmine {

// One new row. JSON fields are stored as given (null: NULL); error empty: NULL.
struct ActionRecord {
  std::string kind;  // kill | unpersist.<how> | block.nft | block.hosts | verify.schedule
  nlohmann::json target;
  std::string reason;
  std::string status = "pending";
  nlohmann::json before;
  nlohmann::json after;
  std::optional<int64_t> evidence_id;
  nlohmann::json undo;
  std::optional<int64_t> undo_of;
  std::string error;
  std::string at;  // empty: now
};

// Which rows to read (all conditions hold; an empty list or prefix does not filter).
struct ActionFilter {
  std::vector<std::string> kinds;
  std::string kind_prefix;  // "block." for block.nft and block.hosts
  std::vector<std::string> statuses;
  bool not_undone = false;         // undone_at IS NULL
  std::optional<int64_t> id;       // one row
  std::optional<int64_t> case_id;  // another case of the database (a merged host of a fleet case); none: the store's

  // Kinds starting with `prefix`, in these statuses, not undone: what is in force.
  static ActionFilter in_force(std::string prefix, std::vector<std::string> statuses);
  // Rows of these kinds in these statuses.
  static ActionFilter of_kinds(std::vector<std::string> kinds, std::vector<std::string> statuses);
};

class ActionLog {
 public:
  explicit ActionLog(CaseStore& store) : store_(store) {}

  // Inserts a row in the current step, stamped now. Call inside the caller's transaction, with the custody
  // row that goes with it.
  int64_t insert(const ActionRecord& a);
  // Inserts the row and its "action.started" custody record (action_id, kind, plus `details`) in one
  // transaction of its own: the record of a change made before the host is touched.
  int64_t start(const ActionRecord& a, nlohmann::json details = nlohmann::json::object());
  // Settles the row, marks the actions it undid, and writes its "action.finished" custody record (action_id,
  // status, plus `details`) in one transaction of its own: start's other half.
  void finish(int64_t id, const std::string& status, const nlohmann::json& after, const std::string& error,
              const std::vector<int64_t>& undone = {}, nlohmann::json details = nlohmann::json::object());
  // Sets a row's outcome (and its before-state, when given). Inside the caller's transaction.
  void settle(int64_t id, const std::string& status, const nlohmann::json& after, const std::string& error,
              const std::optional<nlohmann::json>& before = std::nullopt);
  // Marks a row undone (now) by a later action.
  void mark_undone(int64_t id);

  // Rows as stored (JSON columns as text), ordered by id: id, step_id, kind, target, reason, status, before,
  // after, evidence_id, undo, error, at, undone_at, undo_of.
  static std::vector<nlohmann::json> rows(const CaseStore& store, const ActionFilter& filter = {});
  // The row with this id in the store's case (the columns of rows()), or nullopt.
  static std::optional<nlohmann::json> row(const CaseStore& store, int64_t id);

 private:
  CaseStore& store_;
};

}  // namespace unmine
