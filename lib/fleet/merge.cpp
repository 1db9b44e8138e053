#include "fleet/merge.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "core/fd.h"
#include "core/text.h"
#include "fleet/bundle.h"

namespace unmine {
namespace {

namespace fs = std::filesystem;

// Tables merged by hand: the case row itself, custody chains, and the fleet's own bookkeeping.
const std::set<std::string> kNotCopied = {"cases", "custody", "hosts", "host_custody"};

struct Staged {
  ReadBundle bundle;
  fs::path source;
  std::unique_ptr<TempDir> dir;
};

std::vector<fs::path> bundle_files(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> out;
  for (auto& in : inputs) {
    if (fs::is_directory(in)) {
      std::vector<fs::path> found;
      for (auto& e : fs::directory_iterator(in))
        if (e.is_regular_file() && e.path().string().ends_with(".tar.zst")) found.push_back(e.path());
      if (found.empty()) throw RuntimeError(in.string() + ": no bundles (*.tar.zst) in this folder", "bundle");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(in)) {
      out.push_back(in);
    } else {
      throw RuntimeError(in.string() + ": no such bundle or folder", "bundle");
    }
  }
  return out;
}

class Db {
 public:
  explicit Db(const fs::path& p) {
    if (sqlite3_open_v2(p.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw RuntimeError("cannot open " + p.string() + ": " + msg);
    }
  }
  ~Db() { sqlite3_close(db_); }
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

std::vector<std::string> strings(sqlite3* db, const std::string& sql, int col = 0) {
  std::vector<std::string> out;
  Stmt s(db, sql);
  while (s.row()) {
    auto* t = sqlite3_column_text(s.get(), col);
    out.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
  }
  return out;
}

std::vector<std::string> columns(sqlite3* db, const std::string& table) {
  return strings(db, "PRAGMA table_info(\"" + table + "\")", 1);
}

std::string sql_name(const std::string& name) { return "\"" + name + "\""; }

// Where a bundle's evidence file goes in the fleet case: content-addressed copies where they were (one
// copy for every host that has it), anything else (run archives) under the host's own folder.
std::string fleet_path(const std::string& host, const std::string& bundle_path) {
  if (bundle_path.starts_with("evidence/sha256/")) return bundle_path;
  return "evidence/hosts/" + host + "/" + bundle_path.substr(std::string_view("evidence/").size());
}

struct Copier {
  sqlite3* to;
  sqlite3* from;
  std::string host;
  int64_t case_id = 0;
  std::map<std::string, int64_t> offsets;
  std::map<std::string, uint64_t> copied;

  void prepare_offsets(const std::vector<std::string>& tables) {
    for (auto& t : tables) {
      auto cols = columns(to, t);
      if (std::find(cols.begin(), cols.end(), "id") == cols.end()) continue;
      Stmt s(to, "SELECT COALESCE(MAX(id),0) FROM " + sql_name(t));
      s.row();
      offsets[t] = sqlite3_column_int64(s.get(), 0);
    }
  }

  void copy_table(const std::string& t) {
    auto mine = columns(to, t);
    auto theirs = columns(from, t);
    std::vector<std::string> cols;
    for (auto& c : theirs)
      if (std::find(mine.begin(), mine.end(), c) != mine.end()) cols.push_back(c);
    if (cols.empty()) return;
    std::map<std::string, std::string> refs;  // column -> table it references
    {
      Stmt fk(to, "PRAGMA foreign_key_list(" + sql_name(t) + ")");
      while (fk.row())
        refs[reinterpret_cast<const char*>(sqlite3_column_text(fk.get(), 3))] = reinterpret_cast<const char*>(sqlite3_column_text(fk.get(), 2));
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
          sqlite3_bind_text(ins.get(), i + 1, fleet_path(host, reinterpret_cast<const char*>(sqlite3_value_text(v))).c_str(), -1,
                            SQLITE_TRANSIENT);
        } else {
          sqlite3_bind_value(ins.get(), i + 1, v);
        }
      }
      ins.done();
      ++n;
    }
    copied[t] = n;
  }
};

void copy_into_place(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  auto part = fs::path(to.string() + ".part-" + std::to_string(::getpid()));
  fs::copy_file(from, part, fs::copy_options::overwrite_existing);
  fs::rename(part, to);
}

}  // namespace

nlohmann::json MergedHost::to_json() const {
  return {{"host", host},         {"case_uuid", case_uuid}, {"bundle", bundle},
          {"status", status},     {"findings", findings},   {"evidence", evidence},
          {"files_copied", files_copied}};
}

std::vector<MergedHost> merge_bundles(CaseStore& fleet, const std::vector<fs::path>& inputs) {
  auto files = bundle_files(inputs);
  auto fleet_uuid = string_at(fleet.query("SELECT uuid FROM cases WHERE id=?", {fleet.case_id()}).at(0), "uuid");

  // Read and check every bundle before anything is merged.
  std::vector<Staged> staged;
  std::map<std::string, size_t> by_host, by_uuid;
  std::vector<MergedHost> result;
  for (auto& f : files) {
    auto dir = fleet.dir() / (".merge-" + std::to_string(::getpid()) + "-" + std::to_string(staged.size()));
    std::error_code ec;
    fs::remove_all(dir, ec);
    auto b = read_bundle(f, dir);
    auto holder = std::make_unique<TempDir>(dir);
    auto& m = b.manifest;
    if (m.case_uuid == fleet_uuid) throw RuntimeError(f.string() + ": this bundle is the fleet case itself", "bundle");
    if (auto h = by_host.find(m.host); h != by_host.end()) {
      auto& other = staged[h->second];
      if (other.bundle.manifest.case_uuid != m.case_uuid)
        throw RuntimeError("two bundles name host " + m.host + " with different cases (" + other.source.string() + ": " +
                               other.bundle.manifest.case_uuid + ", " + f.string() + ": " + m.case_uuid + "): rename one host or merge them apart",
                           "bundle");
      if (other.bundle.sha256 != b.sha256)
        throw RuntimeError("two different bundles of host " + m.host + "'s case (" + other.source.string() + ", " + f.string() + ")", "bundle");
      continue;  // the same bundle given twice
    }
    if (auto u = by_uuid.find(m.case_uuid); u != by_uuid.end())
      throw RuntimeError("case " + m.case_uuid + " is in two bundles under two host names (" + staged[u->second].bundle.manifest.host +
                             ", " + m.host + ")", "bundle");
    by_host[m.host] = staged.size();
    by_uuid[m.case_uuid] = staged.size();
    staged.push_back({std::move(b), f, std::move(holder)});
  }

  // Against what the fleet case already holds: the same bundle again changes nothing; anything else
  // naming a merged host or case is refused.
  std::map<std::string, nlohmann::json> merged_hosts, merged_uuids;
  for (auto& r : fleet.query("SELECT h.name, h.bundle_sha256, c.uuid FROM hosts h JOIN cases c ON c.id=h.case_id")) {
    merged_hosts[string_at(r, "name")] = r;
    merged_uuids[string_at(r, "uuid")] = r;
  }
  std::vector<Staged*> todo;
  for (auto& s : staged) {
    auto& m = s.bundle.manifest;
    MergedHost mh;
    mh.host = m.host;
    mh.case_uuid = m.case_uuid;
    mh.bundle = s.source.string();
    mh.status = "merged";
    auto h = merged_hosts.find(m.host);
    auto u = merged_uuids.find(m.case_uuid);
    if (h != merged_hosts.end() && string_at(h->second, "uuid") != m.case_uuid)
      throw RuntimeError("host " + m.host + " is already in the fleet case with another case (" + string_at(h->second, "uuid") +
                             "); " + s.source.string() + " holds case " + m.case_uuid, "bundle");
    if (u != merged_uuids.end() && string_at(u->second, "name") != m.host)
      throw RuntimeError("case " + m.case_uuid + " is already in the fleet case as host " + string_at(u->second, "name") + "; " +
                             s.source.string() + " names it " + m.host, "bundle");
    if (h != merged_hosts.end()) {
      if (string_at(h->second, "bundle_sha256") != s.bundle.sha256)
        throw RuntimeError("host " + m.host + " is already merged from another bundle of its case (" + string_at(h->second, "bundle_sha256").substr(0, 16) +
                               "…); merge the newer bundle into a new fleet case", "bundle");
      mh.status = "unchanged";
    } else {
      todo.push_back(&s);
    }
    result.push_back(mh);
  }
  if (todo.empty()) return result;

  // Each staged case brought to this unmine's schema (an older host case is upgraded, like any case opened).
  for (auto* s : todo) {
    auto staged_case = CaseStore::open(s->bundle.dir, "cryptomining", "/");
    if (staged_case->query("SELECT id FROM cases").size() != 1 || !staged_case->query("SELECT 1 FROM hosts LIMIT 1").empty())
      throw RuntimeError(s->source.string() + ": a fleet case; merge the host bundles it was made from instead", "bundle");
  }

  // Evidence files first (content-addressed: a copy already there is the same bytes); removed again if the
  // merge fails, so nothing is left half-merged.
  std::vector<fs::path> added;
  try {
    for (auto* s : todo) {
      auto& res = *std::find_if(result.begin(), result.end(), [&](auto& r) { return r.host == s->bundle.manifest.host; });
      for (auto& f : s->bundle.manifest.files) {
        if (!f.path.starts_with("evidence/")) continue;
        auto to = fleet.dir() / fleet_path(s->bundle.manifest.host, f.path);
        if (fs::exists(to)) continue;
        copy_into_place(s->bundle.dir / f.path, to);
        added.push_back(to);
        ++res.files_copied;
      }
    }
    fsync_dir(fleet.evidence_dir());

    CaseStore::Transaction tx(fleet);
    for (auto* s : todo) {
      auto& m = s->bundle.manifest;
      auto& res = *std::find_if(result.begin(), result.end(), [&](auto& r) { return r.host == m.host; });
      Db from(s->bundle.dir / "case.db");
      Copier c{fleet.db(), from.get(), m.host, 0, {}, {}};

      auto case_cols = columns(from.get(), "cases");
      auto mine = columns(fleet.db(), "cases");
      std::string names, marks;
      std::vector<std::string> cols;
      for (auto& col : case_cols)
        if (col != "id" && std::find(mine.begin(), mine.end(), col) != mine.end()) {
          cols.push_back(col);
          names += (names.empty() ? "" : ",") + sql_name(col);
          marks += marks.empty() ? "?" : ",?";
        }
      {
        Stmt sel(from.get(), "SELECT " + names + " FROM cases");
        Stmt ins(fleet.db(), "INSERT INTO cases(" + names + ") VALUES(" + marks + ")");
        sel.row();
        for (int i = 0; i < static_cast<int>(cols.size()); ++i) sqlite3_bind_value(ins.get(), i + 1, sqlite3_column_value(sel.get(), i));
        ins.done();
      }
      c.case_id = fleet.last_insert_id();

      std::vector<std::string> tables;
      for (auto& t : strings(from.get(), "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"))
        if (!kNotCopied.contains(t) && !columns(fleet.db(), t).empty()) tables.push_back(t);
      c.prepare_offsets(tables);
      for (auto& t : tables) c.copy_table(t);
      {
        Stmt sel(from.get(), "SELECT seq, at, actor, event, details, prev_hash, hash FROM custody ORDER BY seq");
        Stmt ins(fleet.db(), "INSERT INTO host_custody(case_id, seq, at, actor, event, details, prev_hash, hash) VALUES(?,?,?,?,?,?,?,?)");
        while (sel.row()) {
          sqlite3_bind_int64(ins.get(), 1, c.case_id);
          for (int i = 0; i < 7; ++i) sqlite3_bind_value(ins.get(), i + 2, sqlite3_column_value(sel.get(), i));
          ins.done();
        }
      }
      fleet.exec("INSERT INTO hosts(case_id, name, bundle_sha256, schema_version, id_offsets, merged_at) VALUES(?,?,?,?,?,?)",
                 {c.case_id, m.host, s->bundle.sha256, m.schema_version, nlohmann::json(c.offsets).dump(), now_iso8601()});
      res.findings = c.copied["findings"];
      res.evidence = c.copied["evidence"];
      fleet.custody("case.merged", {{"host", m.host}, {"case_uuid", m.case_uuid}, {"bundle_sha256", s->bundle.sha256},
                                    {"schema_version", m.schema_version}, {"rows", c.copied}, {"files_copied", res.files_copied}});
    }
    tx.commit();
  } catch (...) {
    std::error_code ec;
    for (auto& p : added) fs::remove(p, ec);
    throw;
  }
  return result;
}

}  // namespace unmine
