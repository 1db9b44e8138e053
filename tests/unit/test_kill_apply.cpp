// Applying a kill plan through RecordingEffects over a literal process table: the refusal, the order of
// signals, PID reuse, children forked during the freeze, and what lands in the case.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <stdexcept>

#include "actions/kill.h"
#include "core/error.h"

using namespace unmine;

namespace {

class TableProcesses : public ProcessSource {
 public:
  std::map<int, Process> table;
  std::map<int, std::string> hashes;
  // Processes that appear in the table once the first SIGSTOP was sent (forked during the freeze).
  std::vector<Process> forked_later;
  const RecordingEffects* fx = nullptr;

  std::optional<Process> read(int pid) const override {
    sync();
    auto it = table.find(pid);
    if (it == table.end()) return std::nullopt;
    return it->second;
  }
  std::vector<Process> all() const override {
    sync();
    std::vector<Process> out;
    for (auto& [pid, p] : table) out.push_back(p);
    return out;
  }
  std::string exe_sha256(int pid) const override {
    auto it = hashes.find(pid);
    return it == hashes.end() ? "" : it->second;
  }

 private:
  // Stopped processes show state T, as the kernel shows them; late children appear after the first stop.
  void sync() const {
    auto& self = const_cast<TableProcesses&>(*this);
    if (!fx) return;
    for (auto& call : fx->calls) {
      int pid = 0, sig = 0;
      if (std::sscanf(call.c_str(), "signal %d %d", &pid, &sig) != 2 || sig != SIGSTOP) continue;
      if (auto it = self.table.find(pid); it != self.table.end()) it->second.state = 'T';
      for (auto& p : self.forked_later) self.table.emplace(p.pid, p);
      self.forked_later.clear();
    }
  }
};

Process proc(int pid, int ppid, const std::string& exe, uint64_t start) {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.exe = exe;
  p.cmdline = {exe};
  p.start_ticks = start;
  p.state = 'R';
  p.cpu_seconds = 12.5;
  return p;
}

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<CaseStore> store;
  TableProcesses procs;
  RecordingEffects fx;
  KillPlan plan;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / ("unmine-kill-unit-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    store = CaseStore::open(dir, "cryptomining", "/");
    procs.fx = &fx;
    for (auto p : {proc(3000, 1, "/tmp/.x/wd", 100), proc(4000, 3000, "/tmp/.x/miner", 200),
                   proc(4001, 4000, "/tmp/.x/miner", 300)}) {
      procs.table[p.pid] = p;
      procs.hashes[p.pid] = p.exe == "/tmp/.x/wd" ? std::string(64, 'a') : std::string(64, 'b');
      plan.members.push_back({KillTarget::of(p),
                              p.pid == 4000   ? KillRole::miner
                              : p.pid == 3000 ? KillRole::ancestor
                                              : KillRole::descendant,
                              p.pid == 4000 ? "--pid" : "test", 4000, 0});
    }
  }
  ~Fixture() {
    store.reset();
    std::filesystem::remove_all(dir);
  }

  int64_t preserve(const std::string& sha) {
    store->exec(
        "INSERT INTO evidence(case_id, kind, source_path, sha256, collected_at, collector, status)"
        " VALUES(?, 'exe', '/tmp/.x/x', ?, '2026-01-01T00:00:00Z', 'test', 'stored')",
        {store->case_id(), sha});
    return store->last_insert_id();
  }

  std::vector<std::string> signals() const {
    std::vector<std::string> out;
    for (auto& c : fx.calls)
      if (c.starts_with("signal ")) out.push_back(c);
    return out;
  }
};

const std::string kStop = std::to_string(SIGSTOP), kKill = std::to_string(SIGKILL);

}  // namespace

TEST_CASE("kill apply: refuses before touching anything when an executable is not preserved") {
  Fixture f;
  f.preserve(std::string(64, 'b'));  // the miner, not the watchdog
  try {
    apply_kill(f.plan, f.procs, f.fx, *f.store, {});
    FAIL("no refusal");
  } catch (const SafetyRefusal& e) {
    std::string msg = e.what();
    CHECK(msg.find("PID 3000 /tmp/.x/wd") != std::string::npos);
    CHECK(msg.find("unmine preserve --pid 3000") != std::string::npos);
    CHECK(msg.find("--force") != std::string::npos);
  }
  CHECK(f.fx.calls.empty());
  CHECK(f.store->query("SELECT id FROM actions").empty());
  // A pending evidence row is not a preserved copy.
  f.store->exec(
      "INSERT INTO evidence(case_id, kind, sha256, collected_at, collector, status) VALUES(?, 'exe', ?, 'x', 't', "
      "'pending')",
      {f.store->case_id(), std::string(64, 'a')});
  CHECK_THROWS_AS(apply_kill(f.plan, f.procs, f.fx, *f.store, {}), SafetyRefusal);
  CHECK(f.fx.calls.empty());
}

TEST_CASE("kill apply: freezes the whole tree, then kills it, and records every member") {
  Fixture f;
  auto ev_wd = f.preserve(std::string(64, 'a'));
  auto ev_miner = f.preserve(std::string(64, 'b'));
  auto r = apply_kill(f.plan, f.procs, f.fx, *f.store, {});
  CHECK(f.signals() == std::vector<std::string>{"signal 3000 " + kStop, "signal 4000 " + kStop, "signal 4001 " + kStop,
                                                "signal 3000 " + kKill, "signal 4000 " + kKill,
                                                "signal 4001 " + kKill});
  REQUIRE(r.actions.size() == 3);
  CHECK(r.count("done") == 3);
  CHECK(r.actions[0].evidence_id == ev_wd);
  CHECK(r.actions[1].evidence_id == ev_miner);
  CHECK(r.actions[1].before["state"] == "R");
  CHECK(r.actions[1].before["sha256"] == std::string(64, 'b'));
  CHECK(r.actions[1].before["cpu_seconds"] == 12.5);
  CHECK(r.actions[1].after["gone"] == true);
  auto j = r.actions[1].to_json();
  CHECK(j["undo"].is_null());
  CHECK(j["kind"] == "kill");
  auto rows = f.store->query("SELECT kind, status, evidence_id, after, undo FROM actions ORDER BY id");
  REQUIRE(rows.size() == 3);
  for (auto& row : rows) {
    CHECK(row["kind"] == "kill");
    CHECK(row["status"] == "done");
    CHECK(row["undo"].is_null());
    CHECK(nlohmann::json::parse(row["after"].get<std::string>())["gone"] == true);
  }
  CHECK(f.store->query("SELECT seq FROM custody WHERE event='kill.finished'").size() == 1);
}

TEST_CASE("kill apply: a recycled PID is never signalled") {
  Fixture f;
  f.preserve(std::string(64, 'a'));
  f.preserve(std::string(64, 'b'));
  // The worker exited and its PID now belongs to another process, started later.
  f.procs.table[4001].start_ticks = 999;
  f.procs.table[4001].exe = "/usr/bin/innocent";
  f.procs.hashes[4001] = std::string(64, 'b');  // hashed at plan time in this test; the start time decides
  auto r = apply_kill(f.plan, f.procs, f.fx, *f.store, {});
  for (auto& s : f.signals()) CHECK(s.find("signal 4001 ") == std::string::npos);
  REQUIRE(r.actions.size() == 3);
  CHECK(r.actions[2].status == "skipped");
  CHECK(r.actions[2].error.find("now belongs to another process") != std::string::npos);
  CHECK(r.actions[0].status == "done");
  CHECK(r.actions[1].status == "done");
}

TEST_CASE("kill apply: a process gone before the kill is skipped; one that survives fails") {
  Fixture f;
  f.preserve(std::string(64, 'a'));
  f.preserve(std::string(64, 'b'));
  f.fx.absent.insert(4001);
  f.fx.survivors.insert(4000);
  auto r = apply_kill(f.plan, f.procs, f.fx, *f.store, {false, 50, 50});
  CHECK(r.actions[1].status == "failed");
  CHECK(r.actions[1].error == "still running after SIGKILL");
  CHECK(r.actions[1].after["gone"] == false);
  CHECK(r.actions[2].status == "skipped");
  CHECK(r.actions[2].error == "gone before the kill");
  CHECK(r.count("done") == 1);
}

TEST_CASE("kill apply: children forked during the freeze are frozen and killed too") {
  Fixture f;
  f.preserve(std::string(64, 'a'));
  f.preserve(std::string(64, 'b'));
  f.procs.forked_later.push_back(proc(4100, 4000, "/tmp/.x/miner", 400));
  f.procs.hashes[4100] = std::string(64, 'b');
  auto r = apply_kill(f.plan, f.procs, f.fx, *f.store, {});
  REQUIRE(r.actions.size() == 4);
  CHECK(r.actions[3].entry.target.pid == 4100);
  CHECK(r.actions[3].entry.reason == "descendant of PID 4000 (forked during the freeze)");
  CHECK(r.actions[3].status == "done");
  auto sig = f.signals();
  auto stop = std::find(sig.begin(), sig.end(), "signal 4100 " + kStop);
  auto kill = std::find(sig.begin(), sig.end(), "signal 4100 " + kKill);
  CHECK(stop != sig.end());
  CHECK(kill != sig.end());
  CHECK(stop < kill);
  // Every SIGSTOP comes before the first SIGKILL.
  auto first_kill = std::find_if(sig.begin(), sig.end(), [](auto& s) { return s.ends_with(" " + kKill); });
  CHECK(std::none_of(first_kill, sig.end(), [](auto& s) { return s.ends_with(" " + kStop); }));
  CHECK(f.store->query("SELECT id FROM actions").size() == 4);
}

TEST_CASE("kill apply: --force kills without a preserved copy and says so") {
  Fixture f;
  auto r = apply_kill(f.plan, f.procs, f.fx, *f.store, {true});
  CHECK(r.count("done") == 3);
  CHECK_FALSE(r.actions[0].evidence_id);
  REQUIRE_FALSE(r.notes.empty());
  CHECK(r.notes[0].starts_with("--force"));
}

TEST_CASE("kill apply: a failure after the freeze still kills the frozen tree") {
  struct Failing : TableProcesses {
    std::vector<Process> all() const override { throw std::runtime_error("procfs went away"); }
  };
  Fixture f;
  Failing procs;
  procs.table = f.procs.table;
  procs.hashes = f.procs.hashes;
  procs.fx = &f.fx;
  CHECK_THROWS_AS(apply_kill(f.plan, procs, f.fx, *f.store, {true}), std::runtime_error);
  auto sig = f.signals();
  for (int pid : {3000, 4000, 4001}) {
    CAPTURE(pid);
    CHECK(std::find(sig.begin(), sig.end(), "signal " + std::to_string(pid) + " " + kKill) != sig.end());
  }
  // The rows say what was under way.
  CHECK(f.store->query("SELECT id FROM actions WHERE status='pending'").size() == 3);
}
