#include "case/evidence_log.h"

#include <algorithm>
#include <cstdint>

namespace unmine {
namespace {

using nlohmann::json;

json or_null(const auto& o) { return o ? json(*o) : json(nullptr); }
json or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

}  // namespace

int64_t EvidenceLog::insert_item(const EvidenceRecord& r) {
  store_.exec(
      "INSERT INTO evidence(case_id, step_id, kind, source_path, pid, owner_uid, owner_gid, mode, mtime, ctime,"
      " collected_at, collector, archive_id, status, note) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
      {store_.case_id(), or_null(store_.current_step()), r.kind, r.source_path, or_null(r.pid), or_null(r.owner_uid),
       or_null(r.owner_gid), or_null(r.mode), or_null(r.mtime), or_null(r.ctime), r.collected_at, r.collector,
       or_null(r.archive_id), r.status, or_null(r.note)});
  return store_.last_insert_id();
}

std::string EvidenceLog::item_stored(int64_t id, const Digests& d, const std::string& stored_path,
                                     const std::string& note) {
  store_.exec("UPDATE evidence SET sha256=?, sha1=?, md5=?, size=?, stored_path=?, status='stored', note=? WHERE id=?",
              {d.sha256, d.sha1, d.md5, d.size, stored_path, or_null(note), id});
  return store_.query("SELECT collected_at FROM evidence WHERE id=?", {id})[0]["collected_at"].get<std::string>();
}

void EvidenceLog::item_failed(int64_t id, const std::string& why) {
  store_.exec("UPDATE evidence SET status='failed', note=? WHERE id=?", {why, id});
}

int64_t EvidenceLog::insert_archive(const std::string& stored_path, const std::string& collector) {
  store_.exec("INSERT INTO archives(case_id, stored_path, created_at, status, step_id, collector) VALUES(?,?,?,?,?,?)",
              {store_.case_id(), stored_path, now_iso8601(), "writing", or_null(store_.current_step()), collector});
  return store_.last_insert_id();
}

void EvidenceLog::archive_stored(int64_t id, const std::string& sha256, uint64_t size, int items) {
  store_.exec("UPDATE archives SET sha256=?, size=?, items=?, status='stored' WHERE id=?", {sha256, size, items, id});
}

bool EvidenceLog::has_stored_exe(const CaseStore& store, std::string_view sha256) {
  return !store
              .query("SELECT 1 FROM evidence WHERE case_id=? AND kind='exe' AND status='stored' AND sha256=? LIMIT 1",
                     {store.case_id(), std::string(sha256)})
              .empty();
}

std::optional<int64_t> EvidenceLog::newest_stored(const CaseStore& store, std::string_view sha256) {
  auto r =
      store.query("SELECT id FROM evidence WHERE case_id=? AND status='stored' AND sha256=? ORDER BY id DESC LIMIT 1",
                  {store.case_id(), std::string(sha256)});
  if (r.empty()) return std::nullopt;
  return r[0]["id"].get<int64_t>();
}

std::optional<StoredCopy> EvidenceLog::stored_copy(const CaseStore& store, int64_t id) {
  auto r = store.query("SELECT stored_path, sha256 FROM evidence WHERE id=? AND status='stored'", {id});
  if (r.empty() || !r[0]["stored_path"].is_string() || !r[0]["sha256"].is_string()) return std::nullopt;
  return StoredCopy{r[0]["stored_path"].get<std::string>(), r[0]["sha256"].get<std::string>()};
}

std::map<std::string, uint64_t> EvidenceLog::stored_exe_sizes(const CaseStore& store) {
  std::map<std::string, uint64_t> out;
  for (auto& row : store.query("SELECT sha256, size FROM evidence WHERE case_id=? AND kind='exe' AND status='stored'"
                               " AND sha256 IS NOT NULL",
                               {store.case_id()}))
    out[row["sha256"].get<std::string>()] = row["size"].is_number() ? row["size"].get<uint64_t>() : 0;
  return out;
}

StoredTotals EvidenceLog::stored_totals(const CaseStore& store) {
  auto ev = store.query(
      "SELECT COUNT(*) AS n, COALESCE(SUM(size),0) AS bytes FROM evidence WHERE case_id=? AND status='stored'",
      {store.case_id()});
  auto archives =
      store.query("SELECT COUNT(*) AS n FROM archives WHERE case_id=? AND status='stored'", {store.case_id()});
  return {ev[0]["n"].get<int64_t>(), ev[0]["bytes"].get<int64_t>(), archives[0]["n"].get<int64_t>()};
}

std::vector<json> EvidenceLog::items(const CaseStore& store, size_t limit) {
  auto rows = store.query("SELECT * FROM evidence WHERE case_id=? ORDER BY id LIMIT ?",
                          {store.case_id(), static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX))});
  for (auto& r : rows) r.erase("case_id");
  return rows;
}

int64_t EvidenceLog::item_count(const CaseStore& store) {
  return store.query("SELECT COUNT(*) AS n FROM evidence WHERE case_id=?", {store.case_id()})[0]["n"].get<int64_t>();
}

std::vector<json> EvidenceLog::archives(const CaseStore& store) {
  return store.query(
      "SELECT id, stored_path, sha256, size, items, created_at, status FROM archives WHERE case_id=? ORDER BY id",
      {store.case_id()});
}

void EvidenceLog::for_each_item(const CaseStore& store, int64_t case_id,
                                const std::function<void(const nlohmann::json&)>& fn) {
  store.for_each_row(
      "SELECT id, status, kind, source_path, sha256, sha1, md5, size, stored_path FROM evidence WHERE case_id=? ORDER "
      "BY id",
      {case_id}, fn);
}

void EvidenceLog::for_each_archive(const CaseStore& store, int64_t case_id,
                                   const std::function<void(const nlohmann::json&)>& fn) {
  store.for_each_row("SELECT id, status, stored_path, sha256, size FROM archives WHERE case_id=? ORDER BY id",
                     {case_id}, fn);
}

}  // namespace unmine
