// The case store against what a hostile or broken machine leaves: another application's database named
// case.db, a registry others could write, runs killed mid-step.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "case/case_registry.h"
#include "case/case_store.h"
#include "case/step_runner.h"
#include "core/error.h"
#include "core/fd.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {

struct Scratch {
  fs::path path;
  Scratch() {
    std::string t =
        (fs::temp_directory_path() / ("unmine-unit-case-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    path = ::mkdtemp(t.data());
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string bytes_of(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// UNMINE_STATE_DIR for the scope of one test.
struct StateDir {
  explicit StateDir(const fs::path& p) { ::setenv("UNMINE_STATE_DIR", p.c_str(), 1); }
  ~StateDir() { ::unsetenv("UNMINE_STATE_DIR"); }
};

}  // namespace

TEST_CASE("another application's SQLite database is refused and left byte for byte") {
  Scratch dir;
  auto db_path = dir.path / "case.db";
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "CREATE TABLE mail(body TEXT); INSERT INTO mail VALUES('keep');", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto before = bytes_of(db_path);
  CHECK_THROWS_WITH_AS(CaseStore::open(dir.path, "cryptomining", "/"),
                       doctest::Contains("another application's SQLite database"), RuntimeError);
  CHECK(bytes_of(db_path) == before);
  CHECK_FALSE(fs::exists(dir.path / "evidence"));

  std::ofstream(dir.path / "case.db", std::ios::trunc) << "not a database\n";
  CHECK_THROWS_WITH_AS(CaseStore::open(dir.path, "cryptomining", "/"), doctest::Contains("not a SQLite database"),
                       RuntimeError);
}

TEST_CASE("an empty case.db and an existing case open") {
  Scratch dir;
  std::ofstream(dir.path / "case.db");
  {
    auto s = CaseStore::open(dir.path, "cryptomining", "/");
    CHECK(s->created());
  }
  auto again = CaseStore::open(dir.path, "cryptomining", "/");
  CHECK_FALSE(again->created());
  CHECK_FALSE(again->read_only());
}

TEST_CASE("a step's runner: this process is alive, another boot or a reused pid is not") {
  auto me = this_runner();
  CHECK(runner_alive(me));
  auto first_space = me.find(' ');
  CHECK_FALSE(runner_alive("00000000-0000-0000-0000-000000000000" + me.substr(first_space)));
  CHECK_FALSE(runner_alive(me.substr(0, me.rfind(' ')) + " 1"));  // same pid, another start time
  CHECK_FALSE(runner_alive("garbage"));
  CHECK_FALSE(runner_alive(""));
}

TEST_CASE("a step whose process died is marked interrupted with its archive and pending items") {
  Scratch dir;
  {
    auto s = CaseStore::open(dir.path, "cryptomining", "/");
    auto id = s->begin_step("preserve", "preserve", nlohmann::json::array());
    s->exec("UPDATE steps SET runner=? WHERE id=?", {this_runner().substr(0, this_runner().rfind(' ')) + " 1", id});
    s->exec("INSERT INTO archives(case_id, stored_path, created_at, status, step_id) VALUES(?,?,?,?,?)",
            {s->case_id(), "evidence/archives/x.tar.zst", now_iso8601(), "writing", id});
    s->exec("INSERT INTO evidence(case_id, step_id, kind, collected_at, collector, status) VALUES(?,?,?,?,?,?)",
            {s->case_id(), id, "file", now_iso8601(), "test", "pending"});
  }
  auto s = CaseStore::open(dir.path, "cryptomining", "/");
  CHECK(s->query("SELECT status FROM steps")[0]["status"] == "interrupted");
  CHECK(s->query("SELECT status FROM archives")[0]["status"] == "interrupted");
  CHECK(s->query("SELECT status FROM evidence")[0]["status"] == "failed");
  CHECK(s->query("SELECT count(*) AS n FROM custody WHERE event='step.interrupted'")[0]["n"] == 1);
}

TEST_CASE("a step of a usage error is withdrawn unless something refers to it") {
  Scratch dir;
  auto s = CaseStore::open(dir.path, "cryptomining", "/");
  auto id = s->begin_step("hunt", "hunt", nlohmann::json::array({"hunt", "--since", "x"}));
  CHECK(s->withdraw_step(id, "usage"));
  CHECK(s->query("SELECT count(*) AS n FROM steps")[0]["n"] == 0);
  auto kept = s->begin_step("hunt", "hunt", nlohmann::json::array());
  s->exec("INSERT INTO archives(case_id, stored_path, created_at, status, step_id) VALUES(?,?,?,?,?)",
          {s->case_id(), "evidence/archives/y.tar.zst", now_iso8601(), "writing", kept});
  CHECK_FALSE(s->withdraw_step(kept, "usage"));
  CHECK(s->query("SELECT count(*) AS n FROM steps")[0]["n"] == 1);
}

TEST_CASE("argv with bytes that are not UTF-8 is recorded, not a JSON exception") {
  Scratch dir;
  auto s = CaseStore::open(dir.path, "cryptomining", "/");
  CHECK_NOTHROW(s->begin_step("preserve", "preserve", nlohmann::json::array({"--path", "/tmp/x\xff\xfe"})));
}

TEST_CASE("the case registry: a registered folder is held, a registry others can write is not trusted") {
  Scratch dir;
  auto state = dir.path / "state";
  StateDir env(state);
  auto case_dir = dir.path / "case";
  fs::create_directories(case_dir);
  CHECK(register_case_folder(case_dir).empty());
  CHECK((fs::status(state).permissions() & fs::perms::all) == fs::perms::owner_all);
  auto reg = load_case_registry();
  CHECK(reg.problem.empty());
  REQUIRE(reg.cases.size() == 1);
  UniqueFd fd(::open(case_dir.c_str(), O_RDONLY | O_DIRECTORY));
  struct stat st {};
  REQUIRE(::fstat(fd.get(), &st) == 0);
  CHECK(reg.holds(fd.get(), st.st_ino));
  UniqueFd other(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY));
  CHECK_FALSE(reg.holds(other.get(), st.st_ino));  // same inode number claimed, another folder

  ::chmod((state / "case-folders").c_str(), 0666);
  auto untrusted = load_case_registry();
  CHECK(untrusted.cases.empty());
  CHECK(untrusted.problem.find("writable by group or others") != std::string::npos);
  ::chmod((state / "case-folders").c_str(), 0600);
  ::chmod(state.c_str(), 0777);
  CHECK(load_case_registry().cases.empty());
  CHECK_FALSE(register_case_folder(case_dir).empty());
}
