// Respawn detection after a kill: matching, naming the source, and the polling watch on a literal table.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "detect/respawn.h"
#include "literal_process.h"

using namespace unmine;

namespace {

RespawnPattern killed_miner() {
  RespawnPattern pat;
  pat.add(literal_process(4000, 3000, "/tmp/.x/kdevtmpfsi", {"/tmp/.x/kdevtmpfsi", "-o", "pool.example:3333"}, 88),
          std::string(64, 'b'));
  pat.incident.wallets.insert(
      "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A");
  pat.incident.domains.insert("pool.example");
  return pat;
}

class ScriptedProcesses : public ProcessSource {
 public:
  std::map<int, Process> table;
  std::vector<Process> appear;  // added on the third call to all()
  mutable int polls = 0;
  std::optional<Process> read(int pid) const override {
    auto it = table.find(pid);
    return it == table.end() ? std::nullopt : std::optional(it->second);
  }
  std::vector<Process> all() const override {
    if (++polls == 3)
      for (auto& p : appear) const_cast<ScriptedProcesses*>(this)->table.emplace(p.pid, p);
    std::vector<Process> out;
    for (auto& [pid, p] : table) out.push_back(p);
    return out;
  }
  std::set<int> miner_images;  // PIDs whose image hashes as the killed miner's
  std::string exe_sha256(int pid) const override { return miner_images.contains(pid) ? std::string(64, 'b') : ""; }
};

}  // namespace

TEST_CASE("match_respawn: inode, path, arguments, indicators, image hash") {
  auto pat = killed_miner();
  auto no_hash = [] { return std::string(); };
  struct Row {
    Process p;
    std::optional<std::string> how;
  } rows[] = {
      {literal_process(5000, 3000, "/var/tmp/copy", {"copy"}, 88), "inode"},
      {literal_process(5001, 3000, "/tmp/.x/kdevtmpfsi", {"kdevtmpfsi"}, 90), "path"},
      {literal_process(5002, 3000, "/dev/shm/k2", {"/dev/shm/k2", "-o", "pool.example:3333"}, 91), "cmdline"},
      {literal_process(5003, 3000, "/dev/shm/k3", {"/dev/shm/k3", "--url", "pool.example:443"}, 92), "indicator"},
      {literal_process(5004, 1, "/usr/sbin/nginx", {"nginx", "-g", "daemon off;"}, 93), std::nullopt},
  };
  for (auto& r : rows) {
    CAPTURE(r.p.pid);
    auto m = match_respawn(pat, r.p, no_hash);
    CHECK((m ? std::optional(m->how) : std::nullopt) == r.how);
  }
  // Renamed and copied, with other arguments: only the image hash gives it away.
  auto m =
      match_respawn(pat, literal_process(5005, 1, "/opt/.cache/x", {"x"}, 94), [] { return std::string(64, 'b'); });
  REQUIRE(m);
  CHECK(m->how == "sha256");
}

TEST_CASE("service_unit_from_cgroup: the service a process runs in") {
  CHECK(service_unit_from_cgroup("0::/system.slice/xmr-helper.service\n") == "xmr-helper.service");
  CHECK(service_unit_from_cgroup("0::/system.slice/cron.service\n") == "cron.service");
  CHECK(service_unit_from_cgroup("12:pids:/\n1:name=systemd:/system.slice/kworker.service/sub\n") == "kworker.service");
  CHECK_FALSE(service_unit_from_cgroup("0::/user.slice/user-0.slice/session-3.scope\n"));
  CHECK_FALSE(service_unit_from_cgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope\n"));
  CHECK_FALSE(service_unit_from_cgroup("0::/\n"));
  CHECK_FALSE(service_unit_from_cgroup("garbage"));
}

TEST_CASE("respawn_sources: the watchdog parent, cron, the unit, the persistence entry") {
  auto miner = literal_process(5000, 3000, "/tmp/.x/kdevtmpfsi", {"kdevtmpfsi"}, 88);
  SUBCASE("a watchdog") {
    auto s = respawn_sources(
        miner, {literal_process(3000, 1, "/tmp/.x/wd", {"/tmp/.x/wd"}), literal_process(1, 0, "/sbin/init", {"init"})},
        {});
    REQUIRE(s.size() == 1);
    CHECK(s[0].kind == "parent");
    CHECK(s[0].pid == 3000);
    CHECK(s[0].summary == "parent PID 3000 (/tmp/.x/wd)");
  }
  SUBCASE("cron through a shell, with its crontab line") {
    miner.cgroup = "0::/system.slice/cron.service\n";
    PersistenceArtifact line{
        "cron", "/var/spool/cron/crontabs/root", 3, "* * * * * /tmp/.x/kdevtmpfsi", {}, "root", "F-00000000000000aa",
        true};
    PersistenceArtifact other{"cron", "/etc/cron.d/backup", 1, "0 3 * * * root /usr/local/bin/backup", {}, "root", "",
                              false};
    auto s = respawn_sources(miner,
                             {literal_process(710, 700, "/usr/bin/dash", {"/bin/sh", "-c", "/tmp/.x/kdevtmpfsi"}),
                              literal_process(700, 1, "/usr/sbin/cron", {"/usr/sbin/cron", "-f"}),
                              literal_process(1, 0, "/sbin/init", {"init"})},
                             {line, other});
    REQUIRE(s.size() == 4);
    CHECK(s[0].kind == "persistence");
    CHECK(s[0].summary == "cron /var/spool/cron/crontabs/root:3");
    CHECK(s[0].finding_id == "F-00000000000000aa");
    CHECK(s[1].kind == "cron");
    CHECK(s[1].pid == 700);
    CHECK(s[2].kind == "parent");
    CHECK(s[3].kind == "systemd");
    CHECK(s[3].unit == "cron.service");
  }
  SUBCASE("a systemd service restarting it") {
    miner.ppid = 1;
    miner.cgroup = "0::/system.slice/sysupdate.service\n";
    auto s = respawn_sources(miner, {literal_process(1, 0, "/sbin/init", {"init"})}, {});
    REQUIRE(s.size() == 1);
    CHECK(s[0].summary == "systemd unit sysupdate.service");
  }
  auto f = respawn_finding(miner, {"inode", "same"},
                           respawn_sources(miner, {literal_process(3000, 1, "/tmp/.x/wd", {"wd"})}, {}));
  CHECK(f.group == Group::miner);
  CHECK(f.severity == Severity::high);
  CHECK(f.kind == "process.respawn");
  CHECK(f.summary == "miner respawned as PID 5000 (/tmp/.x/kdevtmpfsi); source: parent PID 3000 (/tmp/.x/wd)");
  // Stable across runs: the id does not depend on pids.
  auto again = literal_process(6000, 3100, "/tmp/.x/kdevtmpfsi", {"kdevtmpfsi"}, 88);
  CHECK(respawn_finding(again, {"inode", "same"},
                        respawn_sources(again, {literal_process(3100, 1, "/tmp/.x/wd", {"wd"})}, {}))
            .id == f.id);
}

TEST_CASE("watch_respawns: reports a new matching process once, never one from before the kill") {
  ScriptedProcesses procs;
  procs.table[1] = literal_process(1, 0, "/sbin/init", {"init"});
  procs.table[3000] = literal_process(3000, 1, "/tmp/.x/wd", {"/tmp/.x/wd"});
  procs.table[4500] = literal_process(4500, 1, "/tmp/.x/kdevtmpfsi", {"kdevtmpfsi"}, 88);  // excluded from the kill
  procs.appear = {literal_process(5000, 3000, "/tmp/.x/kdevtmpfsi", {"/tmp/.x/kdevtmpfsi"}, 88),
                  literal_process(5001, 1, "/usr/bin/sleep", {"sleep", "5"}, 70)};
  std::set<std::pair<int, uint64_t>> baseline;
  for (auto& [pid, p] : procs.table) baseline.insert({pid, p.start_ticks});
  int persistence_calls = 0;
  RespawnWatchOptions opts;
  opts.duration = std::chrono::milliseconds(60);
  opts.interval = std::chrono::milliseconds(5);
  auto found = watch_respawns(
      procs, killed_miner(), baseline,
      [&] {
        ++persistence_calls;
        return std::vector<PersistenceArtifact>{};
      },
      nullptr, opts);
  REQUIRE(found.size() == 1);
  CHECK(found[0].proc.pid == 5000);
  CHECK(found[0].match.how == "inode");
  REQUIRE_FALSE(found[0].sources.empty());
  CHECK(found[0].sources[0].pid == 3000);
  CHECK(persistence_calls == 1);
  CHECK(procs.polls > 3);
}

TEST_CASE("watch_respawns: a process connecting to the pool under a new name") {
  ScriptedProcesses procs;
  procs.table[1] = literal_process(1, 0, "/sbin/init", {"init"});
  procs.table[6000] = literal_process(6000, 1, "/usr/lib/x/renamed", {"renamed"});
  auto pat = killed_miner();
  pat.incident.ips.insert("192.0.2.7");
  RespawnWatchOptions opts;
  opts.duration = std::chrono::milliseconds(0);
  auto found = watch_respawns(
      procs, pat, {{1, 101}}, nullptr,
      [] {
        return std::vector<std::pair<int, std::string>>{{6000, "192.0.2.7:3333"}};
      },
      opts);
  REQUIRE(found.size() == 1);
  CHECK(found[0].proc.pid == 6000);
  CHECK(found[0].match.how == "connection");
  CHECK(found[0].match.detail == "connected to the pool at 192.0.2.7:3333");
}
