#pragma once
// The case's `evidence` and `archives` tables. lib/evidence writes through this (a row pending first, set
// stored only once its copy is in place); kill, unpersist, verify, status and the report read through it.
// A row counts as preserved only with status 'stored'.
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "case/case_store.h"
#include "core/hashing.h"

namespace unmine {

// A new evidence row (source_path printable; optional fields NULL when absent).
struct EvidenceRecord {
  std::string kind;
  std::string source_path;
  std::optional<int> pid;
  std::optional<uint32_t> owner_uid, owner_gid, mode;
  std::optional<std::string> mtime, ctime;
  std::string collected_at;
  std::string collector;
  std::optional<int64_t> archive_id;
  std::string status = "pending";
  std::string note;  // empty: NULL
};

struct StoredTotals {
  int64_t items = 0;
  int64_t bytes = 0;
  int64_t archives = 0;
};

// Where a stored item's copy is (relative to the case folder) and the SHA-256 it must have.
struct StoredCopy {
  std::string stored_path;
  std::string sha256;
};

class EvidenceLog {
 public:
  explicit EvidenceLog(CaseStore& store) : store_(store) {}

  // Writers: call inside the caller's transaction, with the custody row that goes with them.
  int64_t insert_item(const EvidenceRecord& r);  // in the current step
  // Sets the item stored with its digests; returns its collected_at.
  std::string item_stored(int64_t id, const Digests& d, const std::string& stored_path, const std::string& note);
  void item_failed(int64_t id, const std::string& why);
  int64_t insert_archive(const std::string& stored_path, const std::string& collector);  // status writing
  void archive_stored(int64_t id, const std::string& sha256, uint64_t size, int items);

  // Readers.
  // True when an item of kind 'exe' with status 'stored' has this SHA-256 (kill's precondition).
  static bool has_stored_exe(const CaseStore& store, std::string_view sha256);
  // The newest stored item with this SHA-256 (any kind), for actions.evidence_id.
  static std::optional<int64_t> newest_stored(const CaseStore& store, std::string_view sha256);
  // Item `id` when it is stored with its copy's path; nullopt otherwise (unpersist's undo restores from it).
  static std::optional<StoredCopy> stored_copy(const CaseStore& store, int64_t id);
  // Size of each stored executable, by SHA-256.
  static std::map<std::string, uint64_t> stored_exe_sizes(const CaseStore& store);
  static StoredTotals stored_totals(const CaseStore& store);
  // Item rows, ordered by id, every column but case_id: the first `limit`.
  static std::vector<nlohmann::json> items(const CaseStore& store, size_t limit = SIZE_MAX);
  static int64_t item_count(const CaseStore& store);  // every status
  // All archive rows, ordered by id: id, stored_path, sha256, size, items, created_at, status.
  static std::vector<nlohmann::json> archives(const CaseStore& store);
  // One case's rows one at a time, ordered by id (evidence verify; `case_id` may be a fleet case's merged
  // host). Items: id, status, kind, source_path, sha256, sha1, md5, size, stored_path. Archives: id, status,
  // stored_path, sha256, size.
  static void for_each_item(const CaseStore& store, int64_t case_id,
                            const std::function<void(const nlohmann::json&)>& fn);
  static void for_each_archive(const CaseStore& store, int64_t case_id,
                               const std::function<void(const nlohmann::json&)>& fn);

 private:
  CaseStore& store_;
};

}  // namespace unmine
