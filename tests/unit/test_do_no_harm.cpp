// Do no harm: a miner named like a system program, binary files, package files and what the running host
// needs never end in an unpersist plan, and the last guard before --apply refuses them whatever the plan
// says. Fixture: tests/fixtures/hosts/dpkg-merged (dpkg's database in merged-/usr spelling, a changed
// package unit and conffile, an unmodified conffile that holds a family word, ELF generators).
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "actions/effects.h"
#include "actions/host_needs.h"
#include "actions/kill_plan.h"
#include "actions/unpersist.h"
#include "core/error.h"
#include "host/dpkg_db.h"
#include "literal_process.h"
#include "persist/persistence.h"
#include "playbook/common_names.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {

const std::string kFixture = std::string(UNMINE_FIXTURES) + "/hosts/dpkg-merged";

// The twenty names of the issue: system programs and common words a miner is renamed to.
const std::vector<std::string> kCommonNames = {
    "sshd",  "dbus-daemon", "systemd",    "bash",  "node",     "java",   "python3", "Xorg",    "kworker", "cron",
    "nginx", "php-fpm",     "containerd", "snapd", "rsyslogd", "agetty", "polkitd", "udisksd", "chronyd", "tuned"};

IncidentIndicators miner_named(const std::string& name) {
  IncidentIndicators ind;
  ind.paths = {"/tmp/" + name};  // dropped straight in /tmp: no folder of its own
  ind.names = {name};
  return ind;
}

IncidentIndicators kworkerd_incident() {
  IncidentIndicators ind;
  ind.paths = {"/tmp/.x/kworkerd", "/tmp/.x/config.json"};
  ind.dirs = {"/tmp/.x"};
  ind.names = {"kworkerd"};
  return ind;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct FixtureCopy {
  fs::path dir;
  FixtureCopy() {
    std::string t =
        (fs::temp_directory_path() / ("unmine-unit-harm-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    dir = ::mkdtemp(t.data());
    fs::copy(kFixture, dir / "root", fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  }
  ~FixtureCopy() {
    std::error_code ec;
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir, ec);
  }
};

}  // namespace

TEST_CASE("common names: the playbook's list and its globs") {
  auto common = CommonNames::load(Playbook::load());
  for (auto& n : kCommonNames) {
    CAPTURE(n);
    CHECK(common.matches(n));
  }
  CHECK(common.matches("python3.11"));
  CHECK(common.matches("kworker/0:1"));
  CHECK_FALSE(common.matches("kworkerd"));
  CHECK_FALSE(common.matches("kdevtmpfsi"));
  CHECK_FALSE(common.matches("sshd2"));
}

// The fixture's own attacker lines (/tmp/.x/kworkerd in changed package files) are malicious whatever the
// miner is called: those, and only those, may be planned; nothing is tied by a common name.
void check_nothing_tied_by_name(const PersistenceScan& s) {
  for (auto& a : s.artifacts) {
    INFO(a.path);
    CHECK(a.text.find("/tmp/.x/kworkerd") != std::string::npos);
  }
  for (auto& f : s.findings) {
    INFO(f.summary);
    CHECK_FALSE(f.evidence.value("rule", "").starts_with("incident."));
  }
}

TEST_CASE("a miner named like a system program ties nothing alone: no plan on a host with dpkg") {
  HostRoot host({kFixture, {}, {}});
  auto playbook = Playbook::load();
  for (auto& name : kCommonNames) {
    CAPTURE(name);
    auto s = scan_persistence(host, playbook, miner_named(name));
    check_nothing_tied_by_name(s);
    CHECK(std::find(s.weak_indicators.begin(), s.weak_indicators.end(), name) != s.weak_indicators.end());
  }
  // Without the playbook list, a name a package ships is weak too ("systemd-gpt-auto-generator", "sshd").
  auto s = scan_persistence(host, playbook, miner_named("systemd-gpt-auto-generator"));
  check_nothing_tied_by_name(s);
}

TEST_CASE("the same names from the miner's own folder still tie its own persistence") {
  // The strong indicators (path, folder) keep working when the name is weak.
  FixtureCopy copy;
  auto root = copy.dir / "root";
  std::ofstream(root / "etc/cron.d/sshd-watch") << "* * * * * root /tmp/.cache/sshd -c /tmp/.cache/config.json\n";
  HostRoot host({root.string(), {}, {}});
  IncidentIndicators ind;
  ind.paths = {"/tmp/.cache/sshd", "/tmp/.cache/config.json"};
  ind.dirs = {"/tmp/.cache"};
  ind.names = {"sshd"};
  auto s = scan_persistence(host, Playbook::load(), ind);
  auto watch =
      std::find_if(s.findings.begin(), s.findings.end(), [](auto& f) { return f.path == "/etc/cron.d/sshd-watch"; });
  REQUIRE(watch != s.findings.end());
  CHECK(watch->entry_class == "tied");
  CHECK(watch->evidence.value("rule", "").starts_with("incident."));
  CHECK(
      std::any_of(s.artifacts.begin(), s.artifacts.end(), [](auto& a) { return a.path == "/etc/cron.d/sshd-watch"; }));
  for (auto& a : s.artifacts) {
    bool ssh_unit = a.path.find("ssh.service") != std::string::npos && a.path.find(".d/") == std::string::npos;
    CHECK_FALSE(ssh_unit);
  }
}

TEST_CASE("package files: only a changed one can be planned, and only the attacker's line") {
  HostRoot host({kFixture, {}, {}});
  auto s = scan_persistence(host, Playbook::load(), kworkerd_incident());
  std::set<std::tuple<std::string, int, std::string>> got;
  for (auto& a : s.artifacts) got.insert({a.path, a.line.value_or(0), std::string(to_string(a.how))});
  const std::set<std::tuple<std::string, int, std::string>> want = {
      {"/etc/crontab", 5, "line"},                                     // a changed conffile: its added line
      {"/usr/lib/systemd/system/cron.service", 8, "line"},             // a changed package unit: the line, not the unit
      {"/etc/systemd/system/ssh.service.d/override.conf", 2, "file"},  // the attacker's drop-in, never ssh.service
  };
  CHECK(got == want);
  for (auto& a : s.artifacts)
    if (a.path == "/usr/lib/systemd/system/cron.service")
      CHECK(a.raw_line == "ExecStartPost=/tmp/.x/kworkerd --config /tmp/.x/config.json");
  // The unmodified conffile that holds a family word is shown, never planned.
  bool hashstat = false;
  for (auto& f : s.findings) {
    if (f.path != "/etc/cron.d/hashstat") continue;
    hashstat = true;
    CHECK(f.severity == Severity::info);
    CHECK(f.evidence["package"] == "hashstat");
    CHECK(f.evidence["package_file"] == "unmodified");
  }
  CHECK(hashstat);
}

TEST_CASE("binary files are never read as lines: an ELF generator is judged by hash and package") {
  HostRoot host({kFixture, {}, {}});
  // Both generators' bytes hold "node" and "/tmp/.x/kworkerd": neither ties by strings.
  auto s = scan_persistence(host, Playbook::load(), kworkerd_incident());
  for (auto& a : s.artifacts) CHECK(a.path.find("generator") == std::string::npos);
  bool unpackaged = false;
  for (auto& f : s.findings) {
    CHECK(f.path != "/usr/lib/systemd/system-generators/systemd-gpt-auto-generator");
    if (f.path == "/usr/lib/systemd/system-generators/net-helper-generator") {
      unpackaged = true;
      CHECK(f.severity == Severity::info);
    }
  }
  CHECK(unpackaged);
  // The miner's own hash ties the one no package installed, as a whole file.
  auto ind = kworkerd_incident();
  ind.sha256s = {"79633923448260cc7a7461e1c3d4c1dbcf661a5ba793f3881d4982b26636a618"};
  auto h = scan_persistence(host, Playbook::load(), ind);
  bool tied = false;
  for (auto& a : h.artifacts)
    if (a.path == "/usr/lib/systemd/system-generators/net-helper-generator") tied = a.how == Neutralise::file;
  CHECK(tied);
}

TEST_CASE("host needs: units from cgroups, the needed processes and the responder's session") {
  CHECK(unit_of_cgroup("0::/system.slice/ssh.service\n") == "ssh.service");
  CHECK(unit_of_cgroup("0::/user.slice/user-1000.slice/user@1000.service/app.slice/dbus.socket\n") == "dbus.socket");
  CHECK_FALSE(unit_of_cgroup("0::/user.slice/user-1000.slice/session-3.scope\n"));
  CHECK_FALSE(unit_of_cgroup("0::/\n"));
  CHECK(unit_of_cgroup("12:pids:/system.slice/cron.service\n1:name=systemd:/system.slice/cron.service\n") ==
        "cron.service");

  auto with_cgroup = [](Process p, std::string cg) {
    p.cgroup = std::move(cg);
    return p;
  };
  std::vector<Process> table = {
      with_cgroup(literal_process(1, 0, "/usr/lib/systemd/systemd", {"/sbin/init"}), "0::/init.scope\n"),
      with_cgroup(literal_process(500, 1, "/usr/sbin/sshd", {"sshd: /usr/sbin/sshd -D"}),
                  "0::/system.slice/ssh.service\n"),
      with_cgroup(literal_process(510, 1, "/usr/bin/dbus-daemon", {"/usr/bin/dbus-daemon", "--system"}),
                  "0::/system.slice/dbus.service\n"),
      with_cgroup(literal_process(520, 1, "/usr/bin/containerd", {"containerd"}),
                  "0::/system.slice/containerd.service\n"),
      with_cgroup(literal_process(530, 1, "/usr/sbin/agetty", {"/sbin/agetty", "tty1"}),
                  "0::/system.slice/system-getty.slice/getty@tty1.service\n"),
      with_cgroup(literal_process(600, 500, "/usr/sbin/sshd", {"sshd: alice [priv]"}),
                  "0::/user.slice/user-1000.slice/session-3.scope\n"),
      with_cgroup(literal_process(601, 600, "/usr/bin/bash", {"-bash"}),
                  "0::/user.slice/user-1000.slice/session-3.scope\n"),
      with_cgroup(literal_process(602, 601, "/usr/local/bin/unmine", {"unmine", "unpersist"}),
                  "0::/user.slice/user-1000.slice/session-3.scope\n"),
      // The miner named sshd, from /tmp, in a unit of its own: not needed.
      with_cgroup(literal_process(700, 1, "/tmp/sshd", {"sshd"}), "0::/system.slice/sshd-update.service\n"),
  };
  auto needs = host_needs(table, 602, false, {});
  for (auto unit : {"ssh.service", "ssh.socket", "dbus.service", "dbus.socket", "containerd.service", "getty@.service",
                    "getty@tty1.service"}) {
    CAPTURE(unit);
    CHECK(needs.units.count(unit));
  }
  CHECK_FALSE(needs.units.count("sshd-update.service"));
  CHECK(needs.executables.count("/usr/sbin/sshd"));
  CHECK(needs.executables.count("/usr/bin/dbus-daemon"));
  CHECK(needs.executables.count("/usr/lib/systemd/systemd"));
  CHECK(needs.executables.count("/usr/bin/bash"));  // the responder's login shell
  CHECK_FALSE(needs.executables.count("/tmp/sshd"));
  CHECK_FALSE(needs.executables.count("/usr/local/bin/unmine"));  // its own exe is an own path, not a need
  // Over SSH, sshd's units stay even when its process is not in the table (another namespace).
  auto over_ssh = host_needs({}, 0, true, {});
  CHECK(over_ssh.units.count("ssh.service"));
  CHECK(over_ssh.units.count("ssh.socket"));
}

TEST_CASE("kill: the twenty names are protected from a system folder and killable from /tmp") {
  const std::set<std::string> protected_there = {"sshd", "dbus-daemon", "systemd", "containerd", "agetty", "cron"};
  for (auto& name : kCommonNames) {
    CAPTURE(name);
    CHECK_FALSE(protected_reason(literal_process(4000, 1, "/tmp/" + name, {name}), false));
    if (protected_there.count(name))
      CHECK(protected_reason(literal_process(4001, 1, "/usr/sbin/" + name, {name}), false));
  }
  CHECK(protected_reason(literal_process(4002, 1, "/usr/bin/dbus-daemon", {"dbus-daemon", "--system"}), false) ==
        "message bus (dbus-daemon)");
  CHECK(protected_reason(literal_process(4003, 1, "/usr/lib/systemd/systemd-logind", {"systemd-logind"}), false) ==
        "systemd service (systemd-logind)");
}

TEST_CASE("the last guard refuses what the host needs, whatever the plan says") {
  HostRoot host({kFixture, {}, {}});
  auto dpkg = DpkgDatabase::load(host);
  HostNeeds needs;
  needs.units = {{"ssh.service", "the unit of sshd (PID 500)"}, {"ssh.socket", "the unit of sshd (PID 500)"}};
  needs.executables = {{"/usr/sbin/cron", "the executable of job scheduler (PID 400)"}};
  // Own paths are the analyst's (here: a case folder inside the inspected root).
  needs.own_paths = {{(fs::weakly_canonical(kFixture) / "var/lib/unmine-case").string(), "unmine's case folder"}};
  auto item = [](std::string kind, std::string path, std::optional<int> line, std::string how,
                 std::optional<std::string> unit = {}, std::vector<std::string> links = {}) {
    UnpersistItem it;
    it.artifact.kind = std::move(kind);
    it.artifact.path = std::move(path);
    it.artifact.line = line;
    it.artifact.unit = std::move(unit);
    it.artifact.links = std::move(links);
    it.action_kind = "unpersist." + how;
    return it;
  };
  struct Row {
    UnpersistItem it;
    bool refused;
  };
  const Row rows[] = {
      // Unmodified package files, in either /usr spelling.
      {item("systemd", "/usr/lib/systemd/system/ssh.service", {}, "systemctl", "ssh.service"), true},
      {item("systemd", "/lib/systemd/system/ssh.service", {}, "unit_files", "ssh.service"), true},
      {item("systemd", "/usr/lib/systemd/system-generators/systemd-gpt-auto-generator", {}, "file"), true},
      {item("cron", "/etc/cron.d/e2scrub_all", 1, "line"), true},
      // The executable of what the host needs, and the enabling link of its unit.
      {item("cron", "/usr/sbin/cron", {}, "file"), true},
      {item("systemd", "/etc/systemd/system/x.service", {}, "unit_files", "x.service",
            {"/etc/systemd/system/multi-user.target.wants/ssh.service"}),
       true},
      // A needed unit outside any package (a copy in /etc) is still the unit sshd runs in.
      {item("systemd", "/etc/systemd/system/ssh.service", {}, "systemctl", "ssh.service"), true},
      // unmine's own case folder.
      {item("cron", "/var/lib/unmine-case/cron.txt", 1, "line"), true},
      // What is the attacker's: a drop-in of ssh.service, a line added to a package unit and to a conffile.
      {item("systemd", "/etc/systemd/system/ssh.service.d/override.conf", 2, "file", "ssh.service"), false},
      {item("systemd", "/usr/lib/systemd/system/cron.service", 8, "line", "cron.service"), false},
      {item("cron", "/etc/crontab", 5, "line"), false},
      {item("systemd", "/etc/systemd/system/kworkerd.service", {}, "unit_files", "kworkerd.service"), false},
  };
  for (auto& r : rows) {
    CAPTURE(r.it.artifact.path);
    CAPTURE(r.it.action_kind);
    auto why = harm_in(r.it, host, dpkg, needs);
    CHECK(why.has_value() == r.refused);
  }
}

TEST_CASE("--apply of a plan that holds a package file: exit 3, nothing changed, the file byte-identical") {
  FixtureCopy copy;
  auto root = copy.dir / "root";
  HostRoot host({root.string(), {}, {}});
  auto store = CaseStore::open(copy.dir / "case", "cryptomining", root.string());
  auto plan = plan_unpersist(host, Playbook::load(), kworkerd_incident());
  REQUIRE(plan.items.size() == 3);
  // A crafted item: the unmodified ssh.service, as an edited plan or a rule that matched too much would put it.
  UnpersistItem bad;
  bad.artifact.kind = "systemd";
  bad.artifact.path = "/lib/systemd/system/ssh.service";
  bad.artifact.unit = "ssh.service";
  bad.artifact.how = Neutralise::unit;
  bad.artifact.tied = true;
  bad.action_kind = "unpersist.unit_files";
  plan.items.push_back(bad);
  const auto unit_before = slurp(root / "usr/lib/systemd/system/ssh.service");
  const auto crontab_before = slurp(root / "etc/crontab");
  auto fx = make_real_effects();
  try {
    apply_unpersist(plan, *store, host, *fx);
    FAIL("apply_unpersist did not refuse");
  } catch (const SafetyRefusal& e) {
    CHECK(e.code() == ExitCode::refused);
    CHECK(std::string(e.what()).find("/lib/systemd/system/ssh.service") != std::string::npos);
    CHECK(std::string(e.what()).find("openssh-server") != std::string::npos);
  }
  CHECK(slurp(root / "usr/lib/systemd/system/ssh.service") == unit_before);
  CHECK(slurp(root / "etc/crontab") == crontab_before);  // the allowed items were not applied either
  CHECK(store->query("SELECT id FROM actions", {}).empty());
  // Without the crafted item the same plan applies: the guard refuses harm, not work.
  plan.items.pop_back();
  auto results = apply_unpersist(plan, *store, host, *fx);
  for (auto& r : results) CHECK(r.status == "done");
  CHECK(slurp(root / "etc/crontab").find("kworkerd") == std::string::npos);
  CHECK(slurp(root / "usr/lib/systemd/system/ssh.service") == unit_before);
}
