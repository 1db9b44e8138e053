#include <doctest/doctest.h>

#include <algorithm>

#include "detect/detectors.h"
#include "detect/triage.h"

using namespace unmine;

namespace {

const std::string kWallet =
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";

Process process(std::string exe, std::vector<std::string> argv, std::vector<std::string> env = {}) {
  Process p;
  p.pid = 4242;
  p.ppid = 1;
  p.exe = std::move(exe);
  p.comm = argv.empty() ? "x" : argv[0].substr(argv[0].rfind('/') + 1).substr(0, 15);
  p.cmdline = std::move(argv);
  p.environ = std::move(env);
  return p;
}

std::vector<std::string> kinds_of(const ProcessSignals& s, Severity at_least) {
  std::vector<std::string> out;
  for (auto& f : s.findings)
    if (f.severity >= at_least) out.push_back(f.kind);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("process signals: what is a miner and what is not") {
  HostRoot host({UNMINE_FIXTURES "/hosts/benign_debian", "", ""});
  auto playbook = Playbook::load();
  auto ind = Indicators::of(playbook);
  struct Row {
    const char* what;
    Process p;
    std::vector<std::string> kinds;  // at medium or above
  };
  auto deleted = process("/tmp/.x/kswapd0", {"/tmp/.x/kswapd0"});
  deleted.exe_deleted = true;
  auto upgraded = process("/usr/sbin/cron", {"/usr/sbin/cron", "-f"});
  upgraded.exe_deleted = true;
  auto memfd = process("/memfd:sealed", {"binary_backend"});
  memfd.exe_memfd = memfd.exe_deleted = true;
  Row rows[] = {
      {"xmrig with pool and wallet",
       process("/opt/x/xmrig", {"./xmrig", "-o", "stratum+tcp://1.2.3.4:3333", "-u", kWallet}),
       {"process.cmdline", "process.name"}},
      {"renamed build with a family option",
       process("/var/tmp/.cache/systemd-helper", {"systemd-helper", "-o", "10.0.0.1:80", "--donate-level=1"}),
       {"process.cmdline"}},
      {"wallet in the environment",
       process("/usr/bin/python3", {"python3", "run.py"}, {"WALLET=" + kWallet, "HOME=/root"}),
       {"process.environ"}},
      {"pool URL in the environment",
       process("/usr/bin/env", {"env"}, {"POOL=stratum+ssl://pool.example.org:443"}),
       {"process.environ"}},
      {"renamed kernel-thread name from a drop folder",
       process("/tmp/kswapd0", {"/tmp/kswapd0"}),
       {"process.kthread_name", "process.name"}},
      {"deleted image in a drop folder", deleted, {"process.exe_deleted", "process.kthread_name", "process.name"}},
      {"user process dressed as a kernel thread",
       process("/usr/share/cmake-3.25/cmake", {"[cmake]"}),
       {"process.kthread_name"}},
      {"a kernel thread's name on a program", process("/opt/app/bin/run", {"kworker/0:2"}), {"process.kthread_name"}},
      {"brackets inside a name", process("/usr/sbin/sshd", {"sshd: alice [priv]"}), {}},
      {"a title in brackets", process("/usr/bin/python3", {"[celeryd: celery@web1:ForkPoolWorker-1]"}), {}},
      {"java on 8080",
       process("/usr/lib/jvm/java-17/bin/java", {"/usr/bin/java", "-jar", "app.jar", "--server.port=8080"},
               {"LOGIN=app"}),
       {}},
      {"ssh -o option", process("/usr/bin/ssh", {"ssh", "-o", "ServerAliveInterval=60", "-p", "2222", "host"}), {}},
      {"bash -c", process("/usr/bin/bash", {"bash", "-c", "cd /srv && ./build.sh -o out.bin"}), {}},
      {"curl -o", process("/usr/bin/curl", {"curl", "-o", "/tmp/x.tgz", "https://example.org/x.tgz"}), {}},
      {"xargs -P: parallel jobs, not ethminer's pool option",
       process("/usr/bin/xargs",
               {"xargs", "-0", "-n", "4", "-P", "2", "clang-tidy", "-p", "build", "--quiet", "--extra-arg=-Wx"}),
       {}},
      {"stress-ng --cpu: one family option beside one shared option",
       process("/usr/bin/stress-ng", {"stress-ng", "--cpu", "4", "-t", "60s"}),
       {}},
      {"renamed ethminer with its pool option",
       process("/tmp/.x/worker", {"worker", "-P", "stratum1+tcp://0xabc.rig@eth.example:4444"}),
       {"process.cmdline"}},
      {"renamed xmrig with a config and its own options, no pool",
       process("/var/tmp/.c/node", {"node", "-c", "/var/tmp/.c/config.json", "--donate-level=1", "-B"}),
       {"process.cmdline"}},
      {"upgraded daemon", upgraded, {}},
      {"sealed memfd runtime", memfd, {}},
  };
  for (auto& r : rows) {
    CAPTURE(r.what);
    auto s = detect_process(r.p, *ind);
    CHECK(kinds_of(s, Severity::medium) == r.kinds);
    for (auto& f : s.findings) CHECK(f.id.starts_with("F-"));
  }
}

TEST_CASE("cpu: busy alone is context, busy beside miner signals is evidence") {
  auto p = process("/usr/bin/cc1plus", {"cc1plus"});
  p.cpu_share = 0.9;
  auto alone = detect_cpu(p, 0.95, false);
  REQUIRE(alone);
  CHECK(alone->severity == Severity::info);
  auto miner = detect_cpu(p, 0.95, true);
  REQUIRE(miner);
  CHECK(miner->severity == Severity::medium);
  CHECK(miner->id == alone->id);
  CHECK_FALSE(detect_cpu(p, 0.1, true));  // idle now
}

TEST_CASE("run_triage on a fixture host with a miner") {
  HostRoot host({UNMINE_FIXTURES "/hosts/triage_miner", "", ""});
  auto playbook = Playbook::load();
  auto r = run_triage(host, playbook, {});
  auto has = [&](Group g) {
    return std::find(r.verdict.groups.begin(), r.verdict.groups.end(), g) != r.verdict.groups.end();
  };
  CHECK(has(Group::miner));
  CHECK(has(Group::pool));
  CHECK(has(Group::system_optimization));
  CHECK(has(Group::hiding));
  REQUIRE(r.miners.size() == 1);
  CHECK(r.miners[0].proc.pid == 4242);
  CHECK(r.miners[0].family == "xmrig");
  CHECK(r.indicators.wallets.contains(kWallet));
  CHECK(r.indicators.domains.contains("pool.supportxmr.com"));
  auto find = [&](std::string_view kind, std::string_view text) {
    return std::any_of(r.findings.begin(), r.findings.end(),
                       [&](auto& f) { return f.kind == kind && f.summary.find(text) != std::string::npos; });
  };
  CHECK(find("net.connection", "45.9.148.21:3333"));
  CHECK(find("net.connection", "13.12.11.10:4444"));  // stratum-only port, no owner found
  // The pinned pool line is reported once, by the persistence scan (unpersist can remove it), and still
  // makes its address a pool's for the connection findings above.
  CHECK(find("net.dns", "pool domain pinned to"));
  CHECK_FALSE(find("net.dns", "pins pool host"));
  CHECK(find("msr", "allow_writes=on"));
  CHECK(find("msr", "/dev/cpu/0/msr"));
  CHECK(find("msr", "setup.sh line 2"));
  CHECK(find("sysctl.hugepages", "1280"));
  CHECK(find("ld_preload", "libprocesshider"));
  // The preload line is one finding (the persistence scan's artifact), not one per detector.
  CHECK(std::count_if(r.findings.begin(), r.findings.end(), [](auto& f) { return f.path == "/etc/ld.so.preload"; }) ==
        1);
  CHECK(std::any_of(r.notes.begin(), r.notes.end(), [](auto& n) { return n.find("truncated") != std::string::npos; }));

  // Same host, same ids.
  auto again = run_triage(host, playbook, {});
  REQUIRE(again.findings.size() == r.findings.size());
  for (size_t i = 0; i < r.findings.size(); ++i) CHECK(again.findings[i].id == r.findings[i].id);
}

TEST_CASE("without the persistence scan (identify), the hosts file's pool line is the network detector's") {
  HostRoot host({UNMINE_FIXTURES "/hosts/triage_miner", "", ""});
  TriageOptions options;
  options.persistence = false;
  auto r = run_triage(host, Playbook::load(), options);
  int pinned = 0;
  for (auto& f : r.findings)
    if (f.path == "/etc/hosts" && f.severity >= Severity::medium) {
      ++pinned;
      CHECK(f.kind == "net.dns");
      CHECK(f.summary.find("pins pool host pool.supportxmr.com") != std::string::npos);
    }
  CHECK(pinned == 1);
}

TEST_CASE("a preload line the incident does not tie keeps the hiding detector's finding") {
  HostRoot host({UNMINE_FIXTURES "/hosts/preload-untied", "", ""});
  auto r = run_triage(host, Playbook::load(), {});
  auto hiding = std::find_if(r.findings.begin(), r.findings.end(), [](auto& f) {
    return f.kind == "ld_preload" &&
           f.summary.find("preloads /usr/local/lib/libextra.so into every process") != std::string::npos;
  });
  REQUIRE(hiding != r.findings.end());
  CHECK(hiding->severity == Severity::high);  // the library is there
}

TEST_CASE("run_triage on a benign Debian fixture: nothing above info") {
  HostRoot host({UNMINE_FIXTURES "/hosts/benign_debian", "", ""});
  // A checkout writes every fixture file now: with a window that starts later, none is new.
  TriageOptions later;
  later.since = ::time(nullptr) + 3600;
  auto r = run_triage(host, Playbook::load(), later);
  for (auto& f : r.findings) {
    CAPTURE(f.summary);
    CHECK(f.severity == Severity::info);
  }
  CHECK(r.miners.empty());
  CHECK(r.verdict.case_name == "No Mining Activity");
  // In the default window the same files are new: low, for a human, and still no verdict.
  auto fresh = run_triage(host, Playbook::load(), {});
  for (auto& f : fresh.findings) {
    CAPTURE(f.summary);
    CHECK((f.severity == Severity::info || (f.severity == Severity::low && f.entry_class == "new")));
  }
  CHECK(fresh.verdict.case_name == "No Mining Activity");
}

TEST_CASE("every process is a candidate: a container's config, a dressed name, a stratum connection") {
  HostRoot host({UNMINE_FIXTURES "/hosts/depth_candidates", "", ""});
  auto r = run_triage(host, Playbook::load(), {});
  auto miner = [&](int pid) -> const MinerInfo* {
    for (auto& m : r.miners)
      if (m.proc.pid == pid) return &m;
    return nullptr;
  };
  auto find = [&](int pid, std::string_view kind) {
    return std::any_of(r.findings.begin(), r.findings.end(), [&](auto& f) { return f.pid == pid && f.kind == kind; });
  };
  // pid 100, "node" in a container: nothing in its name or options, but XMRig's config.json in its working
  // folder (in its own root) and a connection to that config's pool on port 443.
  auto node = miner(100);
  REQUIRE(node);
  CHECK(node->family == "xmrig");
  CHECK(node->config_path == "/app/config.json");
  CHECK(find(100, "process.config"));
  CHECK(find(100, "net.connection"));
  // pid 200 calls itself [cmake]: hiding, a finding of its own; its image says nothing of mining.
  CHECK(find(200, "process.kthread_name"));
  CHECK_FALSE(miner(200));
  // pid 300 has no sign but a connection to a stratum port: profiled, its image says XMRig 6.26.0.
  auto worker = miner(300);
  REQUIRE(worker);
  CHECK(worker->family == "xmrig");
  CHECK(worker->version == "6.26.0");
  CHECK(find(300, "file.miner_binary"));
  // The connection to 13.12.11.10:443 is nobody's pool: nothing.
  CHECK_FALSE(std::any_of(r.findings.begin(), r.findings.end(),
                          [](auto& f) { return f.summary.find("13.12.11.10") != std::string::npos; }));
  CHECK(r.verdict.case_name == "Active Cryptomining");
}

TEST_CASE("a hiding finding alone stays Suspicious") {
  HostRoot host({UNMINE_FIXTURES "/hosts/preload-untied", "", ""});
  auto r = run_triage(host, Playbook::load(), {});
  CHECK(r.verdict.case_name == "Suspicious Activity");
  CHECK(r.verdict.to_json()["severity"] == "low");
  // One preload line, one finding.
  CHECK(std::count_if(r.findings.begin(), r.findings.end(), [](auto& f) { return f.path == "/etc/ld.so.preload"; }) ==
        1);
}
