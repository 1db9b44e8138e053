#include <doctest/doctest.h>
#include <unistd.h>
#include <ctime>

#include "host/process.h"

using namespace unmine;

TEST_CASE("parse_proc_stat handles hostile comm") {
  auto f = parse_proc_stat("123 (a) b) (c) S 1 123 123 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 9999 0 0");
  REQUIRE(f);
  CHECK(f->pid == 123);
  CHECK(f->comm == "a) b) (c");
  CHECK(f->state == 'S');
  CHECK(f->ppid == 1);
  CHECK(f->utime == 250);
  CHECK(f->stime == 50);
  CHECK(f->starttime == 9999);
  CHECK_FALSE(parse_proc_stat("123 (truncated S 1"));
  CHECK_FALSE(parse_proc_stat(""));
  CHECK_FALSE(parse_proc_stat("12 (x) S 1 2 3"));  // cut short mid-read
}

TEST_CASE("parse_proc_status reads name, ppid and real uid") {
  auto s = parse_proc_status("Name:\txmrig\nTgid:\t77\nPPid:\t1\nUid:\t1000\t0\t0\t0\n");
  REQUIRE(s);
  CHECK(s->name == "xmrig");
  CHECK(s->ppid == 1);
  CHECK(s->uid == 1000u);
}

TEST_CASE("cgroup lines name the container runtime and id") {
  const std::string id(64, 'a');
  struct Row {
    std::string text, runtime;
  };
  const Row rows[] = {
      {"0::/system.slice/docker-" + id + ".scope\n", "docker"},
      {"12:pids:/docker/" + id + "\n", "docker"},
      {"0::/kubepods.slice/kubepods-burstable.slice/cri-containerd-" + id + ".scope\n", "containerd"},
      {"0::/machine.slice/libpod-" + id + ".scope/container\n", "podman"},
      {"0::/kubepods.slice/crio-" + id + ".scope\n", "cri-o"},
  };
  for (auto& r : rows) {
    auto c = parse_cgroup_container(r.text);
    REQUIRE(c);
    CHECK(c->runtime == r.runtime);
    CHECK(c->id == id);
  }
  CHECK_FALSE(parse_cgroup_container("0::/user.slice/user-0.slice/session-1.scope\n"));
}

TEST_CASE("exe links: deleted and memfd") {
  auto d = parse_exe_link("/tmp/xmrig (deleted)");
  CHECK(d.deleted);
  CHECK(d.path == "/tmp/xmrig");
  auto m = parse_exe_link("/memfd:x (deleted)");
  CHECK(m.memfd);
  CHECK(m.deleted);
}

TEST_CASE("ProcReader reads this very process on the live procfs") {
  HostRoot host({"/", {}, {}});
  ProcReader r(host);
  auto p = r.read(::getpid(), kProcEnviron | kProcCgroup);
  REQUIRE(p);
  CHECK(p->ppid == ::getppid());
  CHECK_FALSE(p->cmdline.empty());
  CHECK(p->exe_ino != 0);
  CHECK(p->started_at > 0);
  CHECK_FALSE(r.read(0x7ffffff0));
}

TEST_CASE("CpuSampler measures recent CPU share against the process's own clock") {
  HostRoot host({"/", "", ""});
  if (!host.proc_is_live()) {
    MESSAGE("skipped: no live procfs");
    return;
  }
  ProcReader reader(host);
  auto cpu_now = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
  };
  auto wall_now = [] {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
  };
  double cpu0 = cpu_now(), wall0 = wall_now();
  CpuSampler sampler(reader, {::getpid(), 999999999});
  unsigned long spins = 0;
  while (wall_now() - wall0 < 150e6) ++spins;
  CHECK(spins > 0);
  auto shares = sampler.finish(std::chrono::milliseconds(0));
  double expected = (cpu_now() - cpu0) / (wall_now() - wall0);
  REQUIRE(shares.count(::getpid()) == 1);
  CHECK(shares.count(999999999) == 0);  // no such process: left out
  CHECK(shares[::getpid()] == doctest::Approx(expected).epsilon(0.25));
  CHECK(reader.cpu_time_ns(::getpid()).has_value());
}
