// The kill plan on literal process tables: what joins the miner's tree and what is never touched.
#include <doctest/doctest.h>

#include "actions/kill_plan.h"
#include "literal_process.h"

using namespace unmine;

namespace {

// A host: systemd, sshd with the responder's login shell running unmine, containerd with a shim, a
// kernel thread, and the attack: a /tmp watchdog under cron's shell, its miner with a worker and a
// grandchild, and a second copy of the miner started elsewhere.
std::vector<Process> host_table() {
  std::vector<Process> t;
  t.push_back(literal_process(1, 0, "/usr/lib/systemd/systemd", {"/sbin/init"}));
  auto kt = literal_process(2, 0, "", {});
  kt.comm = "kthreadd";
  kt.kernel_thread = true;
  t.push_back(kt);
  auto kw = literal_process(9, 2, "", {});
  kw.comm = "kworker/0:1";
  kw.kernel_thread = true;
  t.push_back(kw);
  t.push_back(literal_process(500, 1, "/usr/sbin/sshd", {"sshd: /usr/sbin/sshd -D [listener]"}));
  t.push_back(literal_process(510, 500, "/usr/sbin/sshd", {"sshd: root@pts/0"}));
  t.push_back(literal_process(520, 510, "/usr/bin/bash", {"-bash"}));
  t.push_back(literal_process(530, 520, "/usr/local/bin/unmine", {"unmine", "kill", "--pid", "4000"}));
  t.push_back(literal_process(600, 1, "/usr/bin/containerd", {"/usr/bin/containerd"}));
  t.push_back(
      literal_process(610, 1, "/usr/bin/containerd-shim-runc-v2", {"/usr/bin/containerd-shim-runc-v2", "-id", "abc"}));
  t.push_back(literal_process(700, 1, "/usr/sbin/cron", {"/usr/sbin/cron", "-f"}));
  t.push_back(literal_process(710, 700, "/usr/bin/dash", {"/bin/sh", "-c", "/tmp/.x/wd >/dev/null 2>&1"}));
  t.push_back(literal_process(3000, 710, "/tmp/.x/wd", {"/tmp/.x/wd"}, 77));
  t.push_back(literal_process(4000, 3000, "/tmp/.x/kdevtmpfsi", {"/tmp/.x/kdevtmpfsi", "-o", "pool:3333"}, 88));
  t.push_back(literal_process(4001, 4000, "/tmp/.x/kdevtmpfsi", {"/tmp/.x/kdevtmpfsi", "-o", "pool:3333"}, 88));
  t.push_back(literal_process(4002, 4001, "/tmp/.x/kdevtmpfsi", {"/tmp/.x/kdevtmpfsi", "-o", "pool:3333"}, 88));
  t.push_back(literal_process(4500, 1, "/var/lib/.cache/kdevtmpfsi", {"kdevtmpfsi"}, 88));
  t.push_back(literal_process(5000, 610, "/usr/bin/python3", {"python3", "app.py"}));
  return t;
}

IncidentIndicators incident() {
  IncidentIndicators ind;
  ind.paths.insert("/tmp/.x/kdevtmpfsi");
  ind.dirs.insert("/tmp/.x");
  ind.names.insert("kdevtmpfsi");
  return ind;
}

KillPlan plan_for(std::vector<Process> table, std::vector<KillSeed> seeds, int self = 530) {
  KillPlanInput in;
  in.table = std::move(table);
  in.seeds = std::move(seeds);
  in.incident = incident();
  in.self_pid = self;
  return plan_kill(in);
}

std::string why_excluded(const KillPlan& plan, int pid) {
  for (auto& x : plan.excluded)
    if (x.pid == pid) return x.why;
  return "";
}

}  // namespace

TEST_CASE("kill plan: the whole tree of the miner, parents first") {
  auto plan = plan_for(host_table(), {{4000, "F-0123456789abcdef"}});
  REQUIRE(plan.find(4000));
  CHECK(plan.find(4000)->role == KillRole::miner);
  CHECK(plan.find(4000)->reason == "F-0123456789abcdef");
  CHECK(plan.find(4000)->target.start_ticks == 5000);
  // Descendants: the worker and its child.
  REQUIRE(plan.find(4001));
  CHECK(plan.find(4001)->role == KillRole::descendant);
  CHECK(plan.find(4001)->reason == "descendant of PID 4000");
  REQUIRE(plan.find(4002));
  CHECK(plan.find(4002)->reason == "descendant of PID 4001");
  // The /tmp watchdog above it, and the cron shell that starts the watchdog from the miner's folder.
  REQUIRE(plan.find(3000));
  CHECK(plan.find(3000)->role == KillRole::ancestor);
  CHECK(plan.find(3000)->reason == "ancestor: wd from /tmp");
  REQUIRE(plan.find(710));
  CHECK(plan.find(710)->reason.find("command line names the miner's dir /tmp/.x") != std::string::npos);
  // Another process of the same executable inode, elsewhere.
  REQUIRE(plan.find(4500));
  CHECK(plan.find(4500)->role == KillRole::same_inode);
  CHECK(plan.find(4500)->reason == "same executable inode as PID 4000");
  // Parents before children.
  std::vector<int> order;
  for (auto& m : plan.members) order.push_back(m.target.pid);
  auto pos = [&](int pid) { return std::find(order.begin(), order.end(), pid) - order.begin(); };
  CHECK(pos(710) < pos(3000));
  CHECK(pos(3000) < pos(4000));
  CHECK(pos(4000) < pos(4001));
  CHECK(pos(4001) < pos(4002));
  CHECK(plan.members.size() == 6);
  // cron itself stays: its entry is unpersist's job.
  CHECK(why_excluded(plan, 700).find("job scheduler (cron)") != std::string::npos);
  CHECK_FALSE(plan.find(700));
  CHECK_FALSE(plan.find(1));
}

TEST_CASE("kill plan: protected processes are never members") {
  struct Row {
    int pid;
    int self;  // unmine's PID in the table (0: not in it)
    const char* expect;
  } rows[] = {
      {1, 0, "PID 1"},
      {2, 0, "kernel thread"},
      {9, 0, "kernel thread"},
      {500, 0, "sshd"},
      {510, 0, "sshd"},
      {520, 0, "login shell"},
      {520, 530, "an ancestor of this unmine"},
      {530, 530, "unmine itself"},
      {600, 0, "container runtime (containerd)"},
      {610, 0, "container runtime (containerd-shim-runc-v2)"},
      {700, 0, "job scheduler (cron)"},
  };
  for (auto& r : rows) {
    CAPTURE(r.pid);
    auto plan = plan_for(host_table(), {{r.pid, "--pid"}}, r.self);
    CHECK(plan.members.empty());
    CHECK(why_excluded(plan, r.pid).find(r.expect) != std::string::npos);
  }
}

TEST_CASE("kill plan: unmine's own chain is never touched, even inside the miner's tree") {
  auto t = host_table();
  t.push_back(literal_process(8000, 4000, "/usr/bin/bash", {"bash", "/tmp/.x/respond.sh"}));
  t.push_back(literal_process(8001, 8000, "/usr/local/bin/unmine", {"unmine", "kill"}));
  auto plan = plan_for(t, {{4000, "--pid"}}, 8001);
  CHECK_FALSE(plan.find(4000));
  CHECK_FALSE(plan.find(8000));
  CHECK_FALSE(plan.find(8001));
  CHECK(why_excluded(plan, 4000).find("an ancestor of this unmine") != std::string::npos);
}

TEST_CASE("kill plan: protection rules by themselves") {
  CHECK(protected_reason(literal_process(1, 0, "/sbin/init", {"init"}), false) == "PID 1 (service manager)");
  CHECK(protected_reason(literal_process(77, 1, "/usr/bin/dockerd", {"dockerd"}), false) ==
        "container runtime (dockerd)");
  CHECK(protected_reason(literal_process(78, 1, "/usr/bin/runc", {"runc"}), false) == "container runtime (runc)");
  CHECK(protected_reason(literal_process(79, 1, "/usr/bin/conmon", {"conmon"}), false) == "container runtime (conmon)");
  CHECK(protected_reason(literal_process(80, 1, "/usr/bin/crio", {"crio"}), false) == "container runtime (crio)");
  CHECK(protected_reason(literal_process(81, 1, "/usr/bin/podman", {"podman"}), false) == "container runtime (podman)");
  CHECK(protected_reason(literal_process(82, 1, "/usr/lib/systemd/systemd", {"/lib/systemd/systemd", "--user"}),
                         false) == "service manager (systemd)");
  CHECK(protected_reason(literal_process(83, 1, "/usr/sbin/atd", {"/usr/sbin/atd", "-f"}), false)
            ->starts_with("job scheduler"));
  // Login and interactive shells are the responder's; a shell running a script or -c is not.
  CHECK(protected_reason(literal_process(90, 1, "/usr/bin/bash", {"-bash"}), false) == "login shell");
  CHECK(protected_reason(literal_process(91, 1, "/usr/bin/bash", {"bash", "--login"}), false) == "login shell");
  CHECK(protected_reason(literal_process(92, 1, "/usr/bin/zsh", {"zsh"}), false) == "interactive shell");
  CHECK_FALSE(protected_reason(literal_process(93, 1, "/usr/bin/bash", {"bash", "-c", "curl x|sh"}), false));
  CHECK_FALSE(protected_reason(literal_process(94, 1, "/usr/bin/dash", {"sh", "/tmp/run.sh"}), false));
  // A shell the miner forked (a reverse shell) is part of the attack.
  CHECK_FALSE(protected_reason(literal_process(95, 1, "/usr/bin/bash", {"bash", "-i"}), true));
  // A protected name from a dropped file is not protected: the attacker chose the name.
  CHECK_FALSE(protected_reason(literal_process(96, 1, "/tmp/sshd", {"sshd"}), false));
  CHECK_FALSE(protected_reason(literal_process(97, 1, "/dev/shm/systemd", {"systemd"}), false));
  auto memfd = literal_process(98, 1, "/memfd:containerd", {"containerd"});
  memfd.exe_memfd = true;
  CHECK_FALSE(protected_reason(memfd, false));
}

TEST_CASE("kill plan: ancestors join only when tied to the attack") {
  SUBCASE("a watchdog from a deleted file") {
    auto t = host_table();
    for (auto& p : t)
      if (p.pid == 3000) p.exe = "/usr/local/bin/wd", p.exe_deleted = true;
    auto plan = plan_for(t, {{4000, "--pid"}});
    REQUIRE(plan.find(3000));
    CHECK(plan.find(3000)->reason == "ancestor: wd running from a deleted file");
  }
  SUBCASE("a loader in a memfd") {
    auto t = host_table();
    for (auto& p : t)
      if (p.pid == 3000) p.exe = "/memfd:x", p.exe_memfd = true, p.exe_deleted = true;
    auto plan = plan_for(t, {{4000, "--pid"}});
    REQUIRE(plan.find(3000));
    CHECK(plan.find(3000)->reason == "ancestor: memfd:x running from a memfd");
  }
  SUBCASE("a script whose text names the miner") {
    auto t = host_table();
    for (auto& p : t)
      if (p.pid == 3000) p.exe = "/usr/bin/bash", p.cmdline = {"bash", "/opt/svc/keep.sh"}, p.exe_ino = 0;
    KillPlanInput in;
    in.table = t;
    in.seeds = {{4000, "--pid"}};
    in.incident = incident();
    in.self_pid = 530;
    in.scripts[3000] = "while :; do /tmp/.x/kdevtmpfsi -o pool:3333; sleep 1; done\n";
    auto plan = plan_kill(in);
    REQUIRE(plan.find(3000));
    CHECK(plan.find(3000)->reason == "ancestor: script /opt/svc/keep.sh names the miner's path /tmp/.x/kdevtmpfsi");
    in.scripts.clear();
    auto plain = plan_kill(in);
    CHECK_FALSE(plain.find(3000));
    CHECK(why_excluded(plain, 3000) == "ancestor not tied to the attack: left running");
  }
  SUBCASE("an unrelated supervisor stays, and the walk stops there") {
    auto t = host_table();
    for (auto& p : t)
      if (p.pid == 3000) p.exe = "/usr/bin/supervisord", p.cmdline = {"/usr/bin/supervisord"}, p.exe_ino = 0;
    auto plan = plan_for(t, {{4000, "--pid"}});
    CHECK_FALSE(plan.find(3000));
    CHECK_FALSE(plan.find(710));
    CHECK(plan.find(4000));
    CHECK(plan.find(4002));
  }
}

TEST_CASE("kill plan: a miner in a container stops at the shim") {
  auto t = host_table();
  t.push_back(literal_process(6000, 5000, "/usr/bin/xmrig", {"xmrig", "-o", "pool:443"}, 99));
  auto plan = plan_for(t, {{6000, "--pid"}});
  CHECK(plan.find(6000));
  // python3 app.py under the shim is not tied to the miner; the shim would be protected anyway.
  CHECK_FALSE(plan.find(5000));
  CHECK_FALSE(plan.find(610));
}

TEST_CASE("kill plan: a shared executable does not pull in every process running it") {
  auto t = host_table();
  t.push_back(literal_process(7000, 1, "/usr/bin/python3", {"python3", "/tmp/.x/m.py"}, 55));
  t.push_back(literal_process(7001, 1, "/usr/bin/python3", {"python3", "/srv/app.py"}, 55));
  auto plan = plan_for(t, {{7000, "--pid"}});
  CHECK(plan.find(7000));
  CHECK_FALSE(plan.find(7001));
  REQUIRE_FALSE(plan.notes.empty());
  CHECK(plan.notes[0].find("shared executable") != std::string::npos);
}

TEST_CASE("kill plan: unknown PIDs are noted, not guessed") {
  auto plan = plan_for(host_table(), {{99999, "--pid"}});
  CHECK(plan.members.empty());
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0] == "PID 99999 is not running");
}

TEST_CASE("script_path: the file an interpreter runs") {
  auto p = literal_process(1, 0, "/usr/bin/bash", {"bash", "-x", "run.sh", "arg"});
  p.cwd = "/tmp/.x";
  CHECK(script_path(p) == "/tmp/.x/run.sh");
  CHECK(script_path(literal_process(1, 0, "/usr/bin/python3.11", {"python3", "-u", "/opt/m.py"})) == "/opt/m.py");
  CHECK_FALSE(script_path(literal_process(1, 0, "/usr/bin/dash", {"sh", "-c", "/tmp/x"})));
  CHECK_FALSE(script_path(literal_process(1, 0, "/usr/bin/dash", {"sh", "-ec", "/tmp/x"})));
  CHECK_FALSE(script_path(literal_process(1, 0, "/usr/bin/python3", {"python3", "-m", "http.server"})));
  CHECK_FALSE(script_path(literal_process(1, 0, "/tmp/.x/kdevtmpfsi", {"kdevtmpfsi", "run.sh"})));
  CHECK(script_path(literal_process(1, 0, "/usr/bin/busybox", {"busybox", "sh", "/tmp/a.sh"})) == "/tmp/a.sh");
}
