// scan_persistence over fixture roots: every location of a compromised host, and a stock Debian host.
#include <doctest/doctest.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "persist/persistence.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {

const char* kWallet = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";

IncidentIndicators fixture_incident() {
  IncidentIndicators ind;
  ind.paths = {"/tmp/.x/kworkerd", "/tmp/.x/config.json"};
  ind.dirs = {"/tmp/.x"};
  ind.names = {"kworkerd"};
  ind.domains = {"pool.supportxmr.com"};
  ind.wallets = {kWallet};
  return ind;
}

// Fixture files carry their checkout time: a window starting tomorrow makes none of them new, so these
// tests see only what ties (test_persist_classes covers the window).
PersistenceWindow nothing_new() { return {::time(nullptr) + 86400, "since", "test"}; }

PersistenceScan scan(const std::string& name, const IncidentIndicators& ind) {
  HostRoot host({std::string(UNMINE_FIXTURES) + "/hosts/" + name, {}, {}});
  return scan_persistence(host, Playbook::load(), ind, nothing_new());
}

}  // namespace

TEST_CASE("a compromised host: every tied artifact, with kind, path, line and how") {
  auto s = scan("persist-miner", fixture_incident());
  std::set<std::tuple<std::string, std::string, int, std::string>> got;
  for (auto& a : s.artifacts) got.insert({a.kind, a.path, a.line.value_or(0), std::string(to_string(a.how))});
  const std::set<std::tuple<std::string, std::string, int, std::string>> want = {
      {"cron", "/etc/crontab", 23, "line"},
      {"cron", "/etc/cron.d/sysupdate", 3, "line"},
      {"cron", "/etc/cron.daily/logrotate", 21, "line"},
      {"cron", "/etc/cron.hourly/kworkerd", 0, "file"},
      {"cron", "/etc/anacrontab", 13, "line"},
      {"cron", "/var/spool/cron/crontabs/alice", 5, "line"},
      {"cron", "/var/spool/cron/root", 1, "line"},
      {"at_job", "/var/spool/cron/atjobs/a0000101c2b3d4", 11, "file"},
      {"systemd", "/etc/systemd/system/kworkerd.service", 7, "unit"},
      {"systemd", "/etc/systemd/system/kworkerd-watch.timer", 7, "unit"},
      {"systemd", "/etc/systemd/system/ssh.service.d/override.conf", 2, "file"},
      {"rc_script", "/etc/rc.local", 5, "line"},
      {"rc_script", "/etc/init.d/kworkerd", 0, "file"},
      {"ld_preload", "/etc/ld.so.preload", 1, "line"},
      {"ssh_key", "/home/alice/.ssh/authorized_keys", 2, "line"},
      {"shell_profile", "/root/.bashrc", 114, "line"},
      {"xdg_autostart", "/home/alice/.config/autostart/kworkerd.desktop", 4, "file"},
      {"udev", "/etc/udev/rules.d/99-net-helper.rules", 1, "line"},
      {"sysctl.hugepages", "/etc/sysctl.d/60-kworkerd.conf", 2, "line"},
      {"net.dns", "/etc/hosts", 8, "line"},
  };
  for (auto& w : want) {
    CAPTURE(std::get<1>(w));
    CHECK(got.count(w));
  }
  CHECK(got.size() == want.size());
  std::map<std::string, const PersistenceArtifact*> by_path;
  for (auto& a : s.artifacts) by_path[a.path] = &a;
  // The unit takes its wants/ link, the init script its rc?.d links.
  CHECK(by_path["/etc/systemd/system/kworkerd.service"]->links ==
        std::vector<std::string>{"/etc/systemd/system/multi-user.target.wants/kworkerd.service"});
  CHECK(by_path["/etc/systemd/system/kworkerd.service"]->unit == "kworkerd.service");
  CHECK(by_path["/etc/init.d/kworkerd"]->links.size() == 2);
  CHECK(by_path["/etc/ld.so.preload"]->entry == "/usr/local/lib/libprocesshider.so");
  CHECK(by_path["/etc/crontab"]->raw_line == "*/10 * * * *\troot\t/tmp/.x/kworkerd -B >/dev/null 2>&1");

  // Findings: each tied artifact at high with its evidence; lookalikes at info, never artifacts.
  std::map<std::string, const Finding*> findings;
  for (auto& f : s.findings) findings[f.id] = &f;
  for (auto& a : s.artifacts) {
    REQUIRE(findings.count(a.finding_id));
    auto& f = *findings[a.finding_id];
    CHECK(f.severity == Severity::high);
    CHECK(f.kind == a.kind);
    CHECK(f.evidence.contains("rule"));
    CHECK(f.evidence.contains("indicator"));
    CHECK(f.evidence.contains("text"));
    CHECK(f.group == (a.kind == "ld_preload"         ? Group::hiding
                      : a.kind == "net.dns"          ? Group::pool
                      : a.kind == "sysctl.hugepages" ? Group::system_optimization
                                                     : Group::persistence));
  }
  auto info_at = [&](const std::string& path, int line) {
    for (auto& f : s.findings)
      if (f.path == path && f.line == line) return f.severity == Severity::info;
    return false;
  };
  CHECK(info_at("/etc/cron.d/sysupdate", 2));       // a benign job that uses curl
  CHECK(info_at("/root/.ssh/authorized_keys", 1));  // a benign forced command
  CHECK(info_at("/etc/hosts", 9));                  // a sinkhole, not poisoning
}

TEST_CASE("ids are stable across runs and do not depend on line numbers") {
  auto a = scan("persist-miner", fixture_incident());
  auto b = scan("persist-miner", fixture_incident());
  REQUIRE(a.findings.size() == b.findings.size());
  for (size_t i = 0; i < a.findings.size(); ++i) CHECK(a.findings[i].id == b.findings[i].id);
}

TEST_CASE("without incident indicators the playbook rules still find the obvious") {
  auto s = scan("persist-miner", {});
  std::set<std::string> paths;
  for (auto& a : s.artifacts) paths.insert(a.path);
  CHECK(paths.count("/etc/cron.d/sysupdate"));           // download and run
  CHECK(paths.count("/var/spool/cron/root"));            // base64 | bash
  CHECK(paths.count("/var/spool/cron/crontabs/alice"));  // pool domain
  CHECK(paths.count("/etc/ld.so.preload"));              // libprocesshider
  CHECK(paths.count("/etc/hosts"));                      // a pool domain pinned to an address
  CHECK(paths.count("/etc/crontab"));                    // a program run from /tmp/.x: malicious whatever it is
}

TEST_CASE("a stock Debian host: nothing above info") {
  auto s = scan("debian-stock", fixture_incident());
  CHECK(s.artifacts.empty());
  for (auto& f : s.findings) {
    CAPTURE(f.summary);
    CHECK(f.severity == Severity::info);
  }
}

TEST_CASE("hostile files: odd names, huge crontabs, binary junk, symlinks out of the root") {
  char tmpl[] = "/tmp/unmine-persist-XXXXXX";
  fs::path root = ::mkdtemp(tmpl);
  auto write = [&](const std::string& rel, const std::string& data) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << data;
  };
  write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbroken\n");
  write("etc/cron.d/bad\nname\xff", "* * * * * root /tmp/.x/kworkerd\n");
  write("etc/cron.d/huge", std::string(3 << 20, 'x') + "\n* * * * * root /tmp/.x/kworkerd\n");
  write("etc/cron.d/junk", std::string("\0\x01\x02 * * \n\xff\xfe garbage @reboot\n", 24));
  write("etc/systemd/system/bad.service", "ExecStart=/tmp/.x/kworkerd\n[Service\nnonsense\n");
  fs::create_directories(root / "etc/cron.d");
  fs::create_symlink("/etc/shadow", root / "etc/cron.d/escape");
  HostRoot host({root.string(), {}, {}});
  auto s = scan_persistence(host, Playbook::load(), fixture_incident(), nothing_new());
  bool odd_name = false, bad_unit = false, cut = false;
  for (auto& f : s.findings) {
    if (f.path && f.path->find("bad\\nname\\xff") != std::string::npos) odd_name = true;
    if (f.path == "/etc/systemd/system/bad.service") bad_unit = true;
  }
  for (auto& a : s.anomalies) cut |= a.path == "/etc/cron.d/huge";
  CHECK(odd_name);
  CHECK(bad_unit);
  CHECK(cut);
  for (auto& f : s.findings) CHECK(f.path != "/etc/cron.d/escape");
  fs::remove_all(root);
}

TEST_CASE("a crontab padded with NULs past its lines is read as lines and noted as cut; NULs among lines are binary") {
  char tmpl[] = "/tmp/unmine-persist-XXXXXX";
  fs::path root = ::mkdtemp(tmpl);
  auto write = [&](const std::string& rel, const std::string& data) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << data;
  };
  write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
  write("etc/crontab", "SHELL=/bin/sh\n*/10 * * * * root /tmp/.x/kworkerd -B\n#\n");
  fs::resize_file(root / "etc/crontab", 3 << 20);  // a hole after the lines: NULs past the read limit
  write("etc/cron.d/mixed", std::string("x\0y\n* * * * * root /tmp/.x/kworkerd\n", 37));
  HostRoot host({root.string(), {}, {}});
  auto s = scan_persistence(host, Playbook::load(), fixture_incident());
  std::optional<PersistenceArtifact> tied;
  for (auto& a : s.artifacts)
    if (a.path == "/etc/crontab") tied = a;
  REQUIRE(tied);
  CHECK(tied->line == 2);
  CHECK(tied->raw_line == "*/10 * * * * root /tmp/.x/kworkerd -B");
  bool cut = false;
  for (auto& a : s.anomalies)
    cut |= a.path == "/etc/crontab" && a.message.find("only the start was read") != std::string::npos;
  CHECK(cut);
  for (auto& f : s.findings) CHECK(f.path != "/etc/cron.d/mixed");
  fs::remove_all(root);
}
