#include <doctest/doctest.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "case/case_store.h"
#include "core/case_file.h"
#include "core/embedded.h"
#include "core/hashing.h"
#include "evidence/digests.h"
#include "evidence/evidence_store.h"
#include "evidence/fanout.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    std::string t = (fs::temp_directory_path() / ("unmine-unit-ev-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    path = ::mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    // stored copies are read-only; the folder is ours
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
};

std::string random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

}  // namespace

TEST_CASE("fanout gives every sink every byte in order, with a ring smaller than the file") {
  TempDir dir;
  auto data = random_bytes(5 * 4096 + 123, 7);
  auto file = dir.path / "f";
  std::ofstream(file, std::ios::binary) << data;
  for (size_t ring : {1, 2, 5}) {
    CAPTURE(ring);
    UniqueFd fd(::open(file.c_str(), O_RDONLY));
    std::string a, b, c;
    FanoutOptions opt;
    opt.chunk = 4096;
    opt.ring = ring;
    auto r =
        fanout_fd(fd.get(),
                  {[&](const char* d, size_t n) { a.append(d, n); }, [&](const char* d, size_t n) { b.append(d, n); },
                   [&](const char* d, size_t n) { c.append(d, n); }},
                  opt);
    CHECK(r.bytes == data.size());
    CHECK_FALSE(r.hit_limit);
    CHECK(a == data);
    CHECK(b == data);
    CHECK(c == data);
  }
}

TEST_CASE("fanout stops at the declared size and says the source grew") {
  TempDir dir;
  auto file = dir.path / "f";
  std::ofstream(file, std::ios::binary) << random_bytes(10000, 1);
  UniqueFd fd(::open(file.c_str(), O_RDONLY));
  std::string got;
  FanoutOptions opt;
  opt.chunk = 4096;
  opt.limit = 6000;
  auto r = fanout_fd(fd.get(), {[&](const char* d, size_t n) { got.append(d, n); }}, opt);
  CHECK(r.bytes == 6000);
  CHECK(got.size() == 6000);
  CHECK(r.hit_limit);
}

TEST_CASE("a sink that throws stops the stream and the error reaches the caller") {
  TempDir dir;
  auto file = dir.path / "f";
  std::ofstream(file, std::ios::binary) << random_bytes(64 * 1024, 2);
  UniqueFd fd(::open(file.c_str(), O_RDONLY));
  FanoutOptions opt;
  opt.chunk = 1024;
  opt.ring = 2;
  int calls = 0;
  CHECK_THROWS_AS(fanout_fd(fd.get(),
                            {[&](const char*, size_t) {
                               if (++calls == 3) throw std::runtime_error("disk full");
                             },
                             [](const char*, size_t) {}},
                            opt),
                  std::runtime_error);
}

TEST_CASE("split digests equal the one-pass MultiHasher") {
  for (size_t n : {size_t(0), size_t(1), size_t(100000)}) {
    auto data = random_bytes(n, 3);
    SplitDigests s;
    for (auto& sink : s.sinks()) sink(data.data(), data.size());
    auto a = s.finish();
    MultiHasher m;
    m.update(data.data(), data.size());
    auto b = m.finish();
    CHECK(a.sha256 == b.sha256);
    CHECK(a.sha1 == b.sha1);
    CHECK(a.md5 == b.md5);
    CHECK(a.size == n);
  }
  SplitDigests s;
  CHECK(s.finish().sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("preserved items are stored by content, recorded 'stored' and chained in custody") {
  TempDir dir;
  auto store = CaseStore::open(dir.path / "case", "cryptomining", "/");
  auto data = random_bytes(3 * 1024 * 1024 + 5, 4);  // several chunks: the threaded path
  auto src = dir.path / "xmrig";
  std::ofstream(src, std::ios::binary) << data;
  ::chmod(src.c_str(), 0755);

  EvidenceStore es(*store, "test");
  UniqueFd fd(::open(src.c_str(), O_RDONLY));
  auto item = es.preserve_fd(fd.get(), {"exe", src.string(), 4242, std::nullopt, ""});
  auto small = es.preserve_bytes("a\0b", {"cmdline", "/proc/4242/cmdline", 4242, std::nullopt, ""});
  auto archive = es.finish();

  REQUIRE(item.stored());
  CHECK(item.digests.sha256 == sha256_hex(data));
  CHECK(item.digests.size == data.size());
  CHECK(item.stored_path == stored_path_for(item.digests.sha256));
  CHECK(slurp(store->dir() / item.stored_path) == data);
  CHECK(item.mode.value() == (S_IFREG | 0755));
  CHECK(small.stored());
  CHECK(is_exe_preserved(*store, item.digests.sha256));
  CHECK_FALSE(is_exe_preserved(*store, small.digests.sha256));  // not an exe
  CHECK(stored_evidence_id(*store, small.digests.sha256) == small.id);

  REQUIRE(archive);
  CHECK(archive->items == 2);
  CHECK(sha256_hex(slurp(store->dir() / archive->stored_path)) == archive->sha256);
  auto rows = store->query("SELECT status, archive_id FROM evidence ORDER BY id");
  REQUIRE(rows.size() == 2);
  CHECK(rows[0]["status"] == "stored");
  CHECK(rows[0]["archive_id"] == archive->id);
  CHECK(store->query("SELECT status FROM archives")[0]["status"] == "stored");

  // Every custody row links to the one before it by hash.
  std::string prev(64, '0');
  int64_t seq = 0;
  for (auto& r : store->query("SELECT * FROM custody ORDER BY seq")) {
    CHECK(r["seq"].get<int64_t>() == ++seq);
    CHECK(r["prev_hash"] == prev);
    CHECK(r["hash"] == custody_hash(prev, seq, r["at"], r["actor"], r["event"], r["details"]));
    prev = r["hash"];
  }
  CHECK(seq >= 4);  // case.created, archive.started, 2 × evidence.stored, archive.stored
}

TEST_CASE("a stored copy written around the page cache keeps holes and an unaligned tail byte for byte") {
  TempDir dir;
  auto store = CaseStore::open(dir.path / "case", "cryptomining", "/");
  // Whole chunks go out block-aligned (O_DIRECT where the filesystem allows), a zero chunk stays a hole,
  // the last 5 bytes are written through the page cache.
  constexpr size_t kMiB = 1024 * 1024;
  auto data = random_bytes(kMiB, 8) + std::string(kMiB, '\0') + random_bytes(kMiB + 5, 9);
  auto src = dir.path / "big";
  std::ofstream(src, std::ios::binary) << data;
  EvidenceStore es(*store, "test");
  UniqueFd fd(::open(src.c_str(), O_RDONLY));
  auto item = es.preserve_fd(fd.get(), {"file", src.string(), std::nullopt, std::nullopt, ""});
  es.finish();
  REQUIRE(item.stored());
  CHECK(item.digests.sha256 == sha256_hex(data));
  CHECK(slurp(store->dir() / item.stored_path) == data);
}

TEST_CASE("custody rows cannot be updated or deleted through SQL") {
  TempDir dir;
  auto store = CaseStore::open(dir.path / "case", "cryptomining", "/");
  CHECK_THROWS(store->exec("UPDATE custody SET details='{}' WHERE seq=1"));
  CHECK_THROWS(store->exec("DELETE FROM custody"));
}

TEST_CASE("a FIFO is never opened and a symlink is preserved as a link") {
  TempDir dir;
  auto root = dir.path / "root";
  fs::create_directories(root / "tmp");
  REQUIRE(::mkfifo((root / "tmp/fifo").c_str(), 0600) == 0);
  fs::create_symlink("/etc/shadow", root / "tmp/leak");
  HostRoot host(HostPaths{root.string(), root.string(), root.string()});
  auto store = CaseStore::open(dir.path / "case", "cryptomining", root.string());
  EvidenceStore es(*store, "test");
  auto fifo = es.preserve_file(host, "/tmp/fifo", "file");
  CHECK(fifo.status == "skipped");
  CHECK(fifo.note.find("FIFO") != std::string::npos);
  auto link = es.preserve_file(host, "/tmp/leak", "file");
  CHECK(link.stored());
  CHECK(link.kind == "symlink");
  CHECK(slurp(store->dir() / link.stored_path) == "/etc/shadow");
  CHECK(link.note.find("not followed") != std::string::npos);
  es.finish();
}

TEST_CASE("opening a version 1 case upgrades it to the current schema") {
  TempDir dir;
  fs::create_directories(dir.path / "case");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((dir.path / "case/case.db").c_str(), &db) == SQLITE_OK);
  std::string v1;
  for (auto& f : embedded_files())
    if (f.path == "evidence_schema/migrations/001_init.sql") v1 = std::string(f.data);
  REQUIRE(!v1.empty());
  REQUIRE(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "PRAGMA user_version=1;"
                       "INSERT INTO cases(uuid, created_at, playbook, unmine_version) "
                       "VALUES('u1','2026-01-01T00:00:00Z','cryptomining','0.0.1');"
                       "INSERT INTO evidence(case_id, kind, collected_at, collector, status) "
                       "VALUES(1,'exe','2026-01-01T00:00:00Z','old','stored');",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);

  auto store = CaseStore::open(dir.path / "case", "cryptomining", "/");
  int latest = 0;
  for (auto& f : embedded_files())
    if (f.path.starts_with("evidence_schema/migrations/"))
      latest = std::max(latest, std::atoi(std::string(f.path.substr(27)).c_str()));
  CHECK(store->schema_version() == latest);
  CHECK(latest >= 2);
  CHECK(store->case_id() == 1);  // the old case, not a new one
  auto row = store->query("SELECT kind, archive_entry FROM evidence");
  REQUIRE(row.size() == 1);
  CHECK(row[0]["kind"] == "exe");
  CHECK(row[0]["archive_entry"].is_null());  // column added by 002
}

TEST_CASE("a case database carries unmine's application id in its header, so hunt can tell it from a decoy") {
  TempDir dir;
  { auto store = CaseStore::open(dir.path, "cryptomining", "/"); }
  std::ifstream in(dir.path / "case.db", std::ios::binary);
  std::string head(100, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  CHECK(is_case_database_header(head));
  std::string plain = head;
  plain[71] = 0;  // any other SQLite file
  CHECK_FALSE(is_case_database_header(plain));
  CHECK_FALSE(is_case_database_header(head.substr(0, 70)));
  CHECK_FALSE(is_case_database_header(std::string("SQLite format 3") + std::string(85, '\0')));
  { auto again = CaseStore::open(dir.path, "cryptomining", "/"); }  // reopening keeps it
  std::ifstream in2(dir.path / "case.db", std::ios::binary);
  in2.read(head.data(), static_cast<std::streamsize>(head.size()));
  CHECK(is_case_database_header(head));
}

TEST_CASE("json_column: a stored JSON column, or null") {
  CHECK(json_column(R"({"a":1})")["a"] == 1);
  CHECK(json_column(nullptr).is_null());
  CHECK(json_column("{not json").is_null());
  CHECK(json_column(7).is_null());  // a column that is not text holds no JSON document
}
