#include "case/case_store.h"

#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <ctime>
#include <random>
#include <thread>

#include "case/step_runner.h"
#include "core/case_file.h"
#include "core/embedded.h"
#include "core/error.h"
#include "core/fd.h"
#include "core/hashing.h"
#include "core/hex.h"
#include "core/text.h"

namespace unmine {
namespace {

constexpr std::string_view kMigrationDir = "evidence_schema/migrations/";
constexpr int kBusyTimeoutMs = 30000;

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

std::vector<Migration> migrations() {
  std::vector<Migration> out;
  for (auto& f : embedded_files()) {
    if (!f.path.starts_with(kMigrationDir)) continue;
    auto name = f.path.substr(kMigrationDir.size());
    int v = 0;
    if (std::from_chars(name.data(), name.data() + name.size(), v).ec != std::errc{}) continue;
    out.push_back({v, name, f.data});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  return out;
}

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw RuntimeError("case database: " + what + ": " + sqlite3_errmsg(db), "case");
}

std::string random_uuid() {
  std::random_device rd;
  unsigned char b[16];
  for (auto& x : b) x = static_cast<unsigned char>(rd());
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  auto h = to_hex(std::string_view(reinterpret_cast<char*>(b), 16));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &st_, nullptr) != SQLITE_OK)
      fail(db, "prepare " + sql.substr(0, 60));
  }
  ~Statement() { sqlite3_finalize(st_); }
  void bind(const std::vector<nlohmann::json>& params) {
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      auto& p = params[i];
      int rc;
      if (p.is_null())
        rc = sqlite3_bind_null(st_, idx);
      else if (p.is_boolean())
        rc = sqlite3_bind_int(st_, idx, p.get<bool>() ? 1 : 0);
      else if (p.is_number_integer())
        rc = sqlite3_bind_int64(st_, idx, p.get<int64_t>());
      else if (p.is_number())
        rc = sqlite3_bind_double(st_, idx, p.get<double>());
      else if (p.is_string()) {
        auto& s = p.get_ref<const std::string&>();
        rc = sqlite3_bind_text(st_, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      } else {
        auto s = p.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        rc = sqlite3_bind_text(st_, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
      if (rc != SQLITE_OK) fail(db_, "bind");
    }
  }
  bool step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, std::string(sqlite3_sql(st_)).substr(0, 40));
  }
  nlohmann::json row() const {
    nlohmann::json r = nlohmann::json::object();
    int n = sqlite3_column_count(st_);
    for (int i = 0; i < n; ++i) {
      const char* name = sqlite3_column_name(st_, i);
      switch (sqlite3_column_type(st_, i)) {
        case SQLITE_INTEGER: r[name] = sqlite3_column_int64(st_, i); break;
        case SQLITE_FLOAT: r[name] = sqlite3_column_double(st_, i); break;
        case SQLITE_NULL: r[name] = nullptr; break;
        default: {
          auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st_, i));
          r[name] = std::string(t ? t : "", static_cast<size_t>(sqlite3_column_bytes(st_, i)));
        }
      }
    }
    return r;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
};

std::string now_iso8601() {
  struct timeval tv {};
  ::gettimeofday(&tv, nullptr);
  struct tm tm {};
  ::gmtime_r(&tv.tv_sec, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long>(tv.tv_usec));
  return buf;
}

std::string custody_hash(const std::string& prev_hash, int64_t seq, const std::string& at, const std::string& actor,
                         const std::string& event, const std::string& details) {
  return sha256_hex(prev_hash + '\n' + std::to_string(seq) + '\n' + at + '\n' + actor + '\n' + event + '\n' + details);
}

CaseStore::CaseStore(std::filesystem::path dir, sqlite3* db) : layout_(std::move(dir)), db_(db) {}

CaseStore::~CaseStore() { sqlite3_close_v2(db_); }

namespace {

// Writing is impossible on an immutable file or folder or a read-only filesystem: the case is still read.
bool writable(const std::filesystem::path& dir, const std::filesystem::path& db) {
  if (::access(db.c_str(), W_OK) != 0 && errno != ENOENT) return false;
  return ::access(dir.c_str(), W_OK) == 0 || errno == ENOENT;
}

sqlite3* open_database(const std::string& uri, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(uri.c_str(), &db, flags | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX, nullptr) == SQLITE_OK)
    return db;
  std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
  sqlite3_close_v2(db);
  throw RuntimeError("case database " + printable(uri) + ": " + msg, "case");
}

std::string file_uri(const std::filesystem::path& p) {
  std::string out = "file:";
  for (unsigned char c : p.string()) {
    if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Another application's database (or any file) named case.db is never adopted and migrated in place:
// only a new or empty file, or a database with unmine's application id, is opened as a case. Asked through
// SQLite: a case's header on disk lags behind its write-ahead log.
void refuse_foreign_file(const std::filesystem::path& path) {
  auto refuse = [&](const std::string& what) {
    throw RuntimeError(printable(path.string()) + " is " + what + ": left untouched; choose another --case folder",
                       "case");
  };
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) return;  // missing (created next) or unreadable (SQLite says why)
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return;
  if (!S_ISREG(st.st_mode)) refuse("not a regular file");
  if (st.st_size == 0) return;
  char magic[16];
  if (::pread(fd.get(), magic, sizeof magic, 0) != sizeof magic ||
      std::string_view(magic, 16) != std::string_view("SQLite format 3\0", 16))
    refuse("not a SQLite database");
  // Read-write (only reads are made): a read-only connection to a case in WAL mode may lack its -shm.
  sqlite3* db = open_database(file_uri(path), SQLITE_OPEN_READWRITE);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  auto number = [&](const char* sql) -> int64_t {
    sqlite3_stmt* st = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  };
  int64_t app = number("PRAGMA application_id"), version = number("PRAGMA user_version");
  int64_t objects = number("SELECT count(*) FROM sqlite_master");
  int64_t case_tables = number(
      "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN "
      "('cases','steps','custody','evidence')");
  sqlite3_close_v2(db);
  if (app == kCaseApplicationId) return;
  if (app == 0 && version == 0 && objects == 0) return;  // empty: a case being created
  // A case from before the application id, or one another unmine is creating right now (its tables are
  // committed before its header is stamped).
  if (app == 0 && case_tables > 0 && objects >= case_tables) return;
  refuse(objects < 0 ? "not a readable SQLite database"
                     : "another application's SQLite database (application id " + std::to_string(app) + ")");
}

}  // namespace

std::unique_ptr<CaseStore> CaseStore::open(const std::filesystem::path& dir, const std::string& playbook,
                                           const std::string& root) {
  CaseLayout layout(dir);
  auto path = layout.database();
  refuse_foreign_file(path);
  if (std::filesystem::exists(path) && !writable(dir, path)) return open_read_only(dir);
  std::error_code ec;
  std::filesystem::create_directories(layout.evidence(), ec);
  if (ec) throw RuntimeError("case folder " + printable(dir.string()) + ": " + ec.message(), "case");
  ::chmod(dir.c_str(), 0700);  // evidence may hold credentials and attacker binaries
  std::unique_ptr<CaseStore> s(
      new CaseStore(dir, open_database(file_uri(path), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)));
  sqlite3* db = s->db_;
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // Switching a new file to WAL takes an exclusive lock for which SQLite does not call the busy handler:
  // two commands opening a fresh case at once (a runbook's parallel steps) retry here instead of failing.
  for (int waited = 0;; waited += 10) {
    int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) break;
    if ((rc & 0xff) != SQLITE_BUSY || waited >= kBusyTimeoutMs) fail(db, "PRAGMA journal_mode=WAL");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  s->exec("PRAGMA synchronous=FULL");
  s->exec("PRAGMA foreign_keys=ON");
  s->migrate();
  s->ensure_case(playbook, root);
  settle_interrupted_steps(*s);
  return s;
}

std::unique_ptr<CaseStore> CaseStore::open_read_only(const std::filesystem::path& dir) {
  auto uri = file_uri(CaseLayout(dir).database());
  // Read-only WAL needs its -shm: when that cannot be had either, the main file alone is read as it is.
  for (auto suffix : {"?mode=ro", "?mode=ro&immutable=1"}) {
    std::unique_ptr<CaseStore> s(new CaseStore(dir, open_database(uri + suffix, SQLITE_OPEN_READONLY)));
    s->read_only_ = true;
    sqlite3_busy_timeout(s->db_, kBusyTimeoutMs);
    if (sqlite3_exec(s->db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK) continue;
    if (auto all = migrations(); !all.empty() && s->schema_version() < all.back().version)
      throw RuntimeError("the case database is read-only and older than this unmine: it cannot be upgraded", "case");
    auto rows = s->query("SELECT id FROM cases ORDER BY id LIMIT 1");
    if (rows.empty()) throw RuntimeError("the case database is read-only and holds no case yet", "case");
    s->case_id_ = rows[0]["id"].get<int64_t>();
    return s;
  }
  throw RuntimeError("case database " + printable(CaseLayout(dir).database().string()) + ": not readable", "case");
}

int latest_schema_version() {
  auto all = migrations();
  return all.empty() ? 0 : all.back().version;
}

int CaseStore::schema_version() const {
  auto r = query("PRAGMA user_version");
  return r.empty() ? 0 : static_cast<int>(r[0]["user_version"].get<int64_t>());
}

void CaseStore::migrate() {
  auto all = migrations();
  auto application_id = [&] { return query("PRAGMA application_id")[0]["application_id"].get<int64_t>(); };
  if (!all.empty() && schema_version() >= all.back().version && application_id() == kCaseApplicationId) return;
  Transaction tx(*this);
  int current = schema_version();  // re-read under the write lock: another process may have migrated
  for (auto& m : all) {
    if (m.version <= current) continue;
    std::string sql(m.sql);
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown";
      sqlite3_free(err);
      throw RuntimeError("case database migration " + std::string(m.name) + ": " + msg, "case");
    }
    exec("PRAGMA user_version=" + std::to_string(m.version));
  }
  if (application_id() != kCaseApplicationId) exec("PRAGMA application_id=" + std::to_string(kCaseApplicationId));
  tx.commit();
}

void CaseStore::ensure_case(const std::string& playbook, const std::string& root) {
  auto rows = query("SELECT id FROM cases ORDER BY id LIMIT 1");
  if (!rows.empty()) {
    case_id_ = rows[0]["id"].get<int64_t>();
    return;
  }
  Transaction tx(*this);
  rows = query("SELECT id FROM cases ORDER BY id LIMIT 1");
  if (rows.empty()) {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    exec("INSERT INTO cases(uuid, created_at, hostname, root, playbook, unmine_version) VALUES(?,?,?,?,?,?)",
         {random_uuid(), now_iso8601(), std::string(host), root, playbook, std::string(UNMINE_VERSION)});
    case_id_ = last_insert_id();
    created_ = true;
    custody("case.created", {{"playbook", playbook}, {"root", root}});
  } else {
    case_id_ = rows[0]["id"].get<int64_t>();
  }
  tx.commit();
}

CaseStore::Transaction::Transaction(CaseStore& s) : s_(s) { s_.exec("BEGIN IMMEDIATE"); }

CaseStore::Transaction::~Transaction() {
  if (!done_) sqlite3_exec(s_.db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void CaseStore::Transaction::commit() {
  s_.exec("COMMIT");
  done_ = true;
}

void CaseStore::exec(const std::string& sql, const std::vector<nlohmann::json>& params) {
  Statement st(db_, sql);
  st.bind(params);
  while (st.step()) {}
}

std::vector<nlohmann::json> CaseStore::query(const std::string& sql, const std::vector<nlohmann::json>& params) const {
  Statement st(db_, sql);
  st.bind(params);
  std::vector<nlohmann::json> out;
  while (st.step()) out.push_back(st.row());
  return out;
}

void CaseStore::for_each_row(const std::string& sql, const std::vector<nlohmann::json>& params,
                             const std::function<void(const nlohmann::json&)>& fn) const {
  Statement st(db_, sql);
  st.bind(params);
  while (st.step()) fn(st.row());
}

int64_t CaseStore::begin_step(const std::string& step, const std::string& command, const nlohmann::json& argv) {
  if (read_only_)
    throw RuntimeError("the case cannot be written (an immutable file or a read-only filesystem): " + command +
                           " records into it; status, report and evidence verify only read it",
                       "case");
  Transaction tx(*this);
  auto runner = this_runner();
  exec("INSERT INTO steps(case_id, step, command, argv, started_at, runner) VALUES(?,?,?,?,?,?)",
       {case_id_, step, command, argv.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), now_iso8601(),
        runner.empty() ? nlohmann::json(nullptr) : nlohmann::json(runner)});
  int64_t id = last_insert_id();
  custody("step.started", {{"step_id", id}, {"step", step}, {"command", command}});
  tx.commit();
  current_step_ = id;
  return id;
}

void CaseStore::finish_step(int64_t step_id, const std::string& status, const std::string& outcome, int exit_code) {
  Transaction tx(*this);
  exec("UPDATE steps SET finished_at=?, status=?, outcome=?, exit_code=? WHERE id=?",
       {now_iso8601(), status, outcome, exit_code, step_id});
  custody("step.finished", {{"step_id", step_id}, {"status", status}, {"exit_code", exit_code}});
  tx.commit();
  if (current_step_ == step_id) current_step_.reset();
}

bool CaseStore::withdraw_step(int64_t step_id, const std::string& reason) {
  try {
    Transaction tx(*this);
    exec("DELETE FROM steps WHERE id=?", {step_id});  // refused (foreign keys) once anything refers to it
    custody("step.withdrawn", {{"step_id", step_id}, {"reason", reason}});
    tx.commit();
  } catch (const RuntimeError&) {
    return false;
  }
  if (current_step_ == step_id) current_step_.reset();
  return true;
}

void CaseStore::record_findings(const std::vector<Finding>& findings, std::optional<int64_t> step_id) {
  if (findings.empty()) return;
  Transaction tx(*this);
  auto now = now_iso8601();
  nlohmann::json step = step_id ? nlohmann::json(*step_id) : nlohmann::json(nullptr);
  for (auto& f : findings) {
    // A persistence entry's class (tied, malicious, new, known) travels in its evidence: the table has no column.
    auto evidence = f.evidence;
    if (!f.entry_class.empty() && evidence.is_object()) evidence["class"] = f.entry_class;
    exec(
        "INSERT INTO findings(case_id, finding_id, group_name, kind, severity, summary, pid, path, line, evidence,"
        " first_step_id, last_step_id, first_seen, last_seen) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT(case_id, finding_id) DO UPDATE SET severity=excluded.severity, summary=excluded.summary,"
        " pid=excluded.pid, evidence=excluded.evidence, last_step_id=excluded.last_step_id,"
        " last_seen=excluded.last_seen, times_seen=times_seen+1",
        {case_id_, f.id, std::string(to_string(f.group)), f.kind, std::string(to_string(f.severity)), f.summary,
         f.pid ? nlohmann::json(*f.pid) : nlohmann::json(nullptr),
         f.path ? nlohmann::json(*f.path) : nlohmann::json(nullptr),
         f.line ? nlohmann::json(*f.line) : nlohmann::json(nullptr), evidence, step, step, now, now});
    if (step_id) exec("INSERT OR IGNORE INTO step_findings(step_id, finding_id) VALUES(?,?)", {*step_id, f.id});
  }
  custody("findings.recorded", {{"step_id", step}, {"count", findings.size()}});
  tx.commit();
}

void CaseStore::record_indicator(const std::string& type, const std::string& value, const nlohmann::json& context,
                                 const std::string& source) {
  exec("INSERT OR IGNORE INTO indicators(case_id, type, value, context, source, first_seen) VALUES(?,?,?,?,?,?)",
       {case_id_, type, value, context, source, now_iso8601()});
}

void CaseStore::custody(const std::string& event, const nlohmann::json& details) {
  auto last = query("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1");
  std::string prev = last.empty() ? std::string(64, '0') : last[0]["hash"].get<std::string>();
  int64_t seq = last.empty() ? 1 : last[0]["seq"].get<int64_t>() + 1;
  auto at = now_iso8601();
  std::string actor = "unmine " UNMINE_VERSION " uid=" + std::to_string(::getuid());
  auto d = details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  exec("INSERT INTO custody(seq, case_id, at, actor, event, details, prev_hash, hash) VALUES(?,?,?,?,?,?,?,?)",
       {seq, case_id_, at, actor, event, d, prev, custody_hash(prev, seq, at, actor, event, d)});
}

std::string string_at(const nlohmann::json& obj, const char* key, std::string fallback) {
  if (obj.is_object() && obj.contains(key) && obj[key].is_string()) return obj[key].get<std::string>();
  return fallback;
}

nlohmann::json json_column(const nlohmann::json& column) {
  if (!column.is_string()) return nullptr;
  auto parsed = nlohmann::json::parse(column.get<std::string>(), nullptr, false);
  return parsed.is_discarded() ? nlohmann::json(nullptr) : parsed;
}

}  // namespace unmine
