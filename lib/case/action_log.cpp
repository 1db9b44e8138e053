#include "case/action_log.h"

namespace unmine {
namespace {

using nlohmann::json;

json or_null(std::optional<int64_t> v) { return v ? json(*v) : json(nullptr); }
json or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// "?,?,?" for n values.
std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

}  // namespace

ActionFilter ActionFilter::in_force(std::string prefix, std::vector<std::string> statuses) {
  ActionFilter f;
  f.kind_prefix = std::move(prefix);
  f.statuses = std::move(statuses);
  f.not_undone = true;
  return f;
}

ActionFilter ActionFilter::of_kinds(std::vector<std::string> kinds, std::vector<std::string> statuses) {
  ActionFilter f;
  f.kinds = std::move(kinds);
  f.statuses = std::move(statuses);
  return f;
}

int64_t ActionLog::start(const ActionRecord& a, nlohmann::json details) {
  CaseStore::Transaction tx(store_);
  auto id = insert(a);
  details["action_id"] = id;
  details["kind"] = a.kind;
  store_.custody("action.started", details);
  tx.commit();
  return id;
}

void ActionLog::finish(int64_t id, const std::string& status, const nlohmann::json& after, const std::string& error,
                       const std::vector<int64_t>& undone, nlohmann::json details) {
  CaseStore::Transaction tx(store_);
  settle(id, status, after, error);
  for (auto u : undone) mark_undone(u);
  details["action_id"] = id;
  details["status"] = status;
  store_.custody("action.finished", details);
  tx.commit();
}

int64_t ActionLog::insert(const ActionRecord& a) {
  store_.exec(
      "INSERT INTO actions(case_id, step_id, kind, target, reason, status, before, after, evidence_id, undo, error, at,"
      " undo_of) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
      {store_.case_id(), or_null(store_.current_step()), a.kind, a.target, a.reason, a.status, a.before, a.after,
       or_null(a.evidence_id), a.undo, or_null(a.error), a.at.empty() ? now_iso8601() : a.at, or_null(a.undo_of)});
  return store_.last_insert_id();
}

void ActionLog::settle(int64_t id, const std::string& status, const json& after, const std::string& error,
                       const std::optional<json>& before) {
  if (before)
    store_.exec("UPDATE actions SET status=?, before=?, after=?, error=? WHERE id=?",
                {status, *before, after, or_null(error), id});
  else
    store_.exec("UPDATE actions SET status=?, after=?, error=? WHERE id=?", {status, after, or_null(error), id});
}

void ActionLog::mark_undone(int64_t id) {
  store_.exec("UPDATE actions SET status='undone', undone_at=? WHERE id=?", {now_iso8601(), id});
}

std::vector<json> ActionLog::rows(const CaseStore& store, const ActionFilter& filter) {
  std::string sql =
      "SELECT id, step_id, kind, target, reason, status, before, after, evidence_id, undo, error, at, undone_at, "
      "undo_of"
      " FROM actions WHERE case_id=?";
  std::vector<json> params{filter.case_id.value_or(store.case_id())};
  if (!filter.kinds.empty()) {
    sql += " AND kind IN (" + placeholders(filter.kinds.size()) + ")";
    params.insert(params.end(), filter.kinds.begin(), filter.kinds.end());
  }
  if (!filter.kind_prefix.empty()) {
    sql += " AND substr(kind, 1, ?) = ?";
    params.emplace_back(static_cast<int64_t>(filter.kind_prefix.size()));
    params.emplace_back(filter.kind_prefix);
  }
  if (!filter.statuses.empty()) {
    sql += " AND status IN (" + placeholders(filter.statuses.size()) + ")";
    params.insert(params.end(), filter.statuses.begin(), filter.statuses.end());
  }
  if (filter.not_undone) sql += " AND undone_at IS NULL";
  if (filter.id) {
    sql += " AND id=?";
    params.emplace_back(*filter.id);
  }
  return store.query(sql + " ORDER BY id", params);
}

std::optional<json> ActionLog::row(const CaseStore& store, int64_t id) {
  ActionFilter f;
  f.id = id;
  auto found = rows(store, f);
  if (found.empty()) return std::nullopt;
  return std::move(found[0]);
}

}  // namespace unmine
