#include "case/case_reader.h"

#include "core/error.h"

namespace unmine {

nlohmann::json case_row(const CaseStore& store) {
  auto rows = store.query("SELECT * FROM cases WHERE id=?", {store.case_id()});
  if (rows.empty()) throw RuntimeError("case database: no case row", "case");
  rows[0].erase("id");
  return rows[0];
}

std::string case_uuid(const CaseStore& store) { return string_at(case_row(store), "uuid"); }

std::vector<nlohmann::json> custody_chain(const CaseStore& store) {
  return store.query("SELECT seq, at, actor, event, details, prev_hash, hash FROM custody ORDER BY seq");
}

void for_each_custody_record(const CaseStore& store, std::optional<int64_t> merged_host, const RowFn& fn) {
  if (merged_host)
    store.for_each_row(
        "SELECT seq, at, actor, event, details, prev_hash, hash FROM host_custody WHERE case_id=? ORDER BY seq",
        {*merged_host}, fn);
  else
    store.for_each_row("SELECT seq, at, actor, event, details, prev_hash, hash FROM custody ORDER BY seq", {}, fn);
}

void for_each_storage_record(const CaseStore& store, std::optional<int64_t> merged_host, const RowFn& fn) {
  if (merged_host)
    store.for_each_row(
        "SELECT event, details FROM host_custody WHERE case_id=? AND event IN ('evidence.stored','archive.stored')"
        " ORDER BY seq",
        {*merged_host}, fn);
  else
    store.for_each_row(
        "SELECT event, details FROM custody WHERE event IN ('evidence.stored','archive.stored') ORDER BY seq", {}, fn);
}

std::string custody_head(const CaseStore& store) {
  auto head = store.query("SELECT hash FROM custody ORDER BY seq DESC LIMIT 1");
  return head.empty() ? std::string() : string_at(head[0], "hash");
}

std::vector<nlohmann::json> step_rows(const CaseStore& store) {
  return store.query(
      "SELECT id, step, command, argv, started_at, finished_at, status, outcome, exit_code FROM steps"
      " WHERE case_id=? ORDER BY id",
      {store.case_id()});
}

std::vector<nlohmann::json> finding_rows(const CaseStore& store) {
  return store.query(
      "SELECT finding_id, group_name, kind, severity, summary, pid, path, line, evidence, first_seen,"
      " last_seen, times_seen FROM findings WHERE case_id=? ORDER BY first_seen, id",
      {store.case_id()});
}

std::vector<std::string> finding_paths(const CaseStore& store, const std::vector<std::string>& groups) {
  std::vector<std::string> out;
  // Signs only: info findings and entries merely changed in the window ("new") say nothing of the incident.
  for (auto& row :
       store.query("SELECT path, group_name FROM findings WHERE case_id=? AND path IS NOT NULL AND severity<>'info'"
                   " AND coalesce(json_extract(evidence, '$.class'), '')<>'new'",
                   {store.case_id()}))
    for (auto& g : groups)
      if (row["group_name"] == g) out.push_back(row["path"].get<std::string>());
  return out;
}

bool has_finding_in_group(const CaseStore& store, const std::string& group) {
  return !store.query("SELECT 1 FROM findings WHERE case_id=? AND group_name=? LIMIT 1", {store.case_id(), group})
              .empty();
}

std::vector<nlohmann::json> miner_observations(const CaseStore& store) {
  return store.query("SELECT data, seen_at FROM miners WHERE case_id=? ORDER BY id", {store.case_id()});
}

std::vector<nlohmann::json> indicator_rows(const CaseStore& store) {
  return store.query(
      "SELECT type, value, context, source, first_seen FROM indicators WHERE case_id=? ORDER BY type, value",
      {store.case_id()});
}

std::vector<nlohmann::json> check_rows(const CaseStore& store) {
  return store.query(
      "SELECT id, step_id, started_at, finished_at, verdict, severity, exit_code, findings FROM checks"
      " WHERE case_id=? ORDER BY id",
      {store.case_id()});
}

}  // namespace unmine
