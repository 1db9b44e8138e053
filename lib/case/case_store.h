#pragma once
// The case: one folder (CaseLayout) with case.db (SQLite, WAL) and evidence/. Every command that works on
// the case records into it inside transactions, so a crash at any point leaves it consistent. Tables are
// written and read through the case layer's typed access: ActionLog, EvidenceLog, step_records.h,
// case_reader.h, indicators_store.h, detection_record.h.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "case/case_layout.h"
#include "core/iso8601.h"
#include "model/finding.h"

namespace unmine {

// ISO 8601 UTC with microseconds ("2026-11-23T12:00:00.123456Z").
std::string now_iso8601();
// A JSON column as stored (text): parsed, or null when empty or not JSON.
nlohmann::json json_column(const nlohmann::json& column);
// A string field of a row or recorded object; `fallback` when absent or not a string (json::value would
// throw on a field of another type, and case data may come from an older or edited case).
std::string string_at(const nlohmann::json& obj, const char* key, std::string fallback = {});

class Statement;

class CaseStore {
 public:
  // Opens (creating folder, database and evidence/ on first use) and upgrades an older schema. Refuses a
  // case.db that is not an unmine case (left untouched); opens read-only when the case cannot be written.
  static std::unique_ptr<CaseStore> open(const std::filesystem::path& dir, const std::string& playbook,
                                         const std::string& root);
  // Reads an existing case without writing anything (no upgrade, no WAL switch).
  static std::unique_ptr<CaseStore> open_read_only(const std::filesystem::path& dir);
  ~CaseStore();
  CaseStore(const CaseStore&) = delete;
  CaseStore& operator=(const CaseStore&) = delete;

  sqlite3* db() const { return db_; }
  const std::filesystem::path& dir() const { return layout_.dir(); }
  const CaseLayout& layout() const { return layout_; }
  int64_t case_id() const { return case_id_; }
  int schema_version() const;
  // Whether this open created the case (its first command).
  bool created() const { return created_; }
  bool read_only() const { return read_only_; }

  // RAII write transaction (BEGIN IMMEDIATE, so two processes serialise on the busy timeout instead of
  // failing on lock upgrade). Commits in commit(); rolls back if destroyed uncommitted.
  class Transaction {
   public:
    explicit Transaction(CaseStore& s);
    ~Transaction();
    void commit();

   private:
    CaseStore& s_;
    bool done_ = false;
  };

  // Runs SQL with positional parameters (each json value bound by its type: null, integer, number, string).
  void exec(const std::string& sql, const std::vector<nlohmann::json>& params = {});
  // Rows as JSON objects keyed by column name.
  std::vector<nlohmann::json> query(const std::string& sql, const std::vector<nlohmann::json>& params = {}) const;
  // The same, one row at a time (a 200,000-item case is not held in memory at once).
  void for_each_row(const std::string& sql, const std::vector<nlohmann::json>& params,
                    const std::function<void(const nlohmann::json&)>& fn) const;
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

  // Steps -----------------------------------------------------------------------------------------
  int64_t begin_step(const std::string& step, const std::string& command, const nlohmann::json& argv);
  void finish_step(int64_t step_id, const std::string& status, const std::string& outcome, int exit_code);
  // Removes a step that never ran (its command stopped at a usage error), when nothing refers to it yet;
  // custody keeps that it was withdrawn. False when it could not be (finish it instead).
  bool withdraw_step(int64_t step_id, const std::string& reason);
  std::optional<int64_t> current_step() const { return current_step_; }

  // Findings: upserts each by finding id and links it to the step.
  void record_findings(const std::vector<Finding>& findings, std::optional<int64_t> step_id);
  // Indicators of the incident (type, value) with context; duplicates are ignored.
  void record_indicator(const std::string& type, const std::string& value, const nlohmann::json& context,
                        const std::string& source);

  // Custody: appends one chained row. Call inside the transaction that does the recorded thing.
  void custody(const std::string& event, const nlohmann::json& details);

 private:
  CaseStore(std::filesystem::path dir, sqlite3* db);
  void migrate();
  void ensure_case(const std::string& playbook, const std::string& root);

  CaseLayout layout_;
  sqlite3* db_;
  int64_t case_id_ = 0;
  bool created_ = false;
  bool read_only_ = false;
  std::optional<int64_t> current_step_;
};

// SHA-256 of a custody row (prev_hash + fields), hex. Exposed so `evidence verify` recomputes the chain.
std::string custody_hash(const std::string& prev_hash, int64_t seq, const std::string& at, const std::string& actor,
                         const std::string& event, const std::string& details);

// The newest schema version this unmine knows (its last migration): a case above it is refused on import.
int latest_schema_version();

}  // namespace unmine
