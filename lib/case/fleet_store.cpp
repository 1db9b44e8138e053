#include "case/fleet_store.h"

#include <algorithm>
#include <memory>
#include <set>

#include "core/error.h"

namespace unmine {
namespace {

namespace fs = std::filesystem;

// Tables merged by hand: the case row itself, custody chains, and the fleet's own bookkeeping.
const std::set<std::string> kNotCopied = {"cases", "custody", "hosts", "host_custody"};

class Db {
 public:
  explicit Db(const fs::path& p) {
    if (sqlite3_open_v2(p.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw RuntimeError("cannot open " + p.string() + ": " + msg);
    }
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  sqlite3* get() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK)
      throw RuntimeError("case merge: " + sql + ": " + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(st_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt* get() const { return st_; }
  bool row() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw RuntimeError(std::string("case merge: ") + sqlite3_errmsg(db_));
    return false;
  }
  void done() {
    if (row()) throw RuntimeError("case merge: unexpected row");
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

std::string text_column(sqlite3_stmt* st, int col) {
  auto* t = sqlite3_column_text(st, col);
  return t ? reinterpret_cast<const char*>(t) : "";
}

std::vector<std::string> strings(sqlite3* db, const std::string& sql, int col = 0) {
  std::vector<std::string> out;
  Stmt s(db, sql);
  while (s.row()) out.push_back(text_column(s.get(), col));
  return out;
}

std::string sql_name(const std::string& name) { return "\"" + name + "\""; }

std::vector<std::string> columns(sqlite3* db, const std::string& table) {
  return strings(db, "PRAGMA table_info(" + sql_name(table) + ")", 1);
}

bool has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The host database's rows appended to the fleet's tables, ids and references shifted.
struct Copier {
  sqlite3* to;
  sqlite3* from;
  std::string host;
  int64_t case_id = 0;
  std::map<std::string, int64_t> offsets;
  std::map<std::string, uint64_t> copied;

  void prepare_offsets(const std::vector<std::string>& tables) {
    for (auto& t : tables) {
      if (!has(columns(to, t), "id")) continue;
      Stmt s(to, "SELECT COALESCE(MAX(id),0) FROM " + sql_name(t));
      s.row();
      offsets[t] = sqlite3_column_int64(s.get(), 0);
    }
  }

  void copy_table(const std::string& t) {
    auto mine = columns(to, t);
    std::vector<std::string> cols;
    for (auto& c : columns(from, t))
      if (has(mine, c)) cols.push_back(c);
    if (cols.empty()) return;
    std::map<std::string, std::string> refs;  // column -> table it references
    {
      Stmt fk(to, "PRAGMA foreign_key_list(" + sql_name(t) + ")");
      while (fk.row()) refs[text_column(fk.get(), 3)] = text_column(fk.get(), 2);
    }
    std::string names, marks;
    for (auto& c : cols) {
      names += (names.empty() ? "" : ",") + sql_name(c);
      marks += marks.empty() ? "?" : ",?";
    }
    Stmt sel(from, "SELECT " + names + " FROM " + sql_name(t));
    Stmt ins(to, "INSERT INTO " + sql_name(t) + "(" + names + ") VALUES(" + marks + ")");
    bool has_id = offsets.contains(t);
    uint64_t n = 0;
    while (sel.row()) {
      for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
        auto* v = sqlite3_column_value(sel.get(), i);
        const auto& c = cols[static_cast<size_t>(i)];
        auto ref = refs.find(c);
        if (c == "id" && has_id) {
          sqlite3_bind_int64(ins.get(), i + 1, sqlite3_value_int64(v) + offsets[t]);
        } else if (ref != refs.end() && ref->second == "cases") {
          sqlite3_bind_int64(ins.get(), i + 1, case_id);
        } else if (ref != refs.end() && offsets.contains(ref->second) && sqlite3_value_type(v) == SQLITE_INTEGER) {
          sqlite3_bind_int64(ins.get(), i + 1, sqlite3_value_int64(v) + offsets[ref->second]);
        } else if (t == "archives" && c == "stored_path" && sqlite3_value_type(v) == SQLITE_TEXT) {
          sqlite3_bind_text(ins.get(), i + 1,
                            merged_evidence_path(host, reinterpret_cast<const char*>(sqlite3_value_text(v))).c_str(),
                            -1, SQLITE_TRANSIENT);
        } else {
          sqlite3_bind_value(ins.get(), i + 1, v);
        }
      }
      ins.done();
      ++n;
    }
    copied[t] = n;
  }

  // The case row itself (the fleet assigns its id).
  void copy_case_row() {
    auto mine = columns(to, "cases");
    std::vector<std::string> cols;
    std::string names, marks;
    for (auto& col : columns(from, "cases"))
      if (col != "id" && has(mine, col)) {
        cols.push_back(col);
        names += (names.empty() ? "" : ",") + sql_name(col);
        marks += marks.empty() ? "?" : ",?";
      }
    Stmt sel(from, "SELECT " + names + " FROM cases");
    Stmt ins(to, "INSERT INTO cases(" + names + ") VALUES(" + marks + ")");
    if (!sel.row()) throw RuntimeError("case merge: " + host + "'s case database holds no case");
    for (int i = 0; i < static_cast<int>(cols.size()); ++i)
      sqlite3_bind_value(ins.get(), i + 1, sqlite3_column_value(sel.get(), i));
    ins.done();
    case_id = sqlite3_last_insert_rowid(to);
  }

  // The host's custody chain as it wrote it (evidence verify recomputes it there).
  void copy_custody() {
    Stmt sel(from, "SELECT seq, at, actor, event, details, prev_hash, hash FROM custody ORDER BY seq");
    Stmt ins(
        to,
        "INSERT INTO host_custody(case_id, seq, at, actor, event, details, prev_hash, hash) VALUES(?,?,?,?,?,?,?,?)");
    while (sel.row()) {
      sqlite3_bind_int64(ins.get(), 1, case_id);
      for (int i = 0; i < 7; ++i) sqlite3_bind_value(ins.get(), i + 2, sqlite3_column_value(sel.get(), i));
      ins.done();
    }
  }
};

}  // namespace

std::vector<MergedHostRow> merged_hosts(const CaseStore& store) {
  std::vector<MergedHostRow> out;
  for (auto& r : store.query(
           "SELECT h.case_id, h.name, c.uuid, h.bundle_sha256, h.id_offsets FROM hosts h JOIN cases c ON c.id=h.case_id"
           " ORDER BY h.name"))
    out.push_back({r["case_id"].get<int64_t>(), string_at(r, "name"), string_at(r, "uuid"),
                   string_at(r, "bundle_sha256"), json_column(r["id_offsets"])});
  return out;
}

bool is_fleet_case(const CaseStore& store) { return !store.query("SELECT 1 FROM hosts LIMIT 1").empty(); }

bool is_single_host_case(const CaseStore& store) {
  return store.query("SELECT id FROM cases LIMIT 2").size() == 1 && !is_fleet_case(store);
}

std::string merged_evidence_path(const std::string& host, const std::string& recorded) {
  if (recorded.starts_with("evidence/sha256/")) return recorded;
  return "evidence/hosts/" + host + "/" + recorded.substr(std::string_view("evidence/").size());
}

HostCaseCopy copy_host_case(CaseStore& fleet, const fs::path& host_db, const std::string& host,
                            const std::string& bundle_sha256, int schema_version) {
  Db from(host_db);
  Copier c{fleet.db(), from.get(), host, 0, {}, {}};
  c.copy_case_row();
  std::vector<std::string> tables;
  for (auto& t : strings(
           from.get(), "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"))
    if (!kNotCopied.contains(t) && !columns(fleet.db(), t).empty()) tables.push_back(t);
  c.prepare_offsets(tables);
  for (auto& t : tables) c.copy_table(t);
  c.copy_custody();
  fleet.exec(
      "INSERT INTO hosts(case_id, name, bundle_sha256, schema_version, id_offsets, merged_at) VALUES(?,?,?,?,?,?)",
      {c.case_id, host, bundle_sha256, schema_version, nlohmann::json(c.offsets).dump(), now_iso8601()});
  return {c.case_id, c.copied};
}

void backup_case_database(const CaseStore& store, const fs::path& to) {
  sqlite3* dst = nullptr;
  if (sqlite3_open(to.c_str(), &dst) != SQLITE_OK) {
    std::string msg = dst ? sqlite3_errmsg(dst) : "out of memory";
    sqlite3_close(dst);
    throw RuntimeError("cannot create " + to.string() + ": " + msg);
  }
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> guard(dst, sqlite3_close);
  auto* b = sqlite3_backup_init(dst, "main", store.db(), "main");
  if (!b) throw RuntimeError("case database backup: " + std::string(sqlite3_errmsg(dst)));
  int rc;
  while ((rc = sqlite3_backup_step(b, 1024)) == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    sqlite3_sleep(10);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) throw RuntimeError("case database backup: " + std::string(sqlite3_errmsg(dst)));
  // A single file: the copy must not depend on a -wal beside it.
  sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr);
}

int case_file_schema_version(const fs::path& db_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  int v = -1;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

}  // namespace unmine
