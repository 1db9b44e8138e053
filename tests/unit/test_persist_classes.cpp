// The persistence inventory: every entry tied, malicious, new or known; ties through the scripts a line runs;
// what attackers add beside cron; and hostile input (huge lines, many files, loops, FIFOs, /dev/zero, 2 GiB).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>

#include "persist/accounts.h"
#include "persist/persistence.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {

const char* kWallet = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
const int64_t kNow = ::time(nullptr);
const int64_t kOld = kNow - 400 * 86400;  // long before any window

// A root in a temporary folder whose files carry the times a test gives them.
struct TempRoot {
  fs::path root;
  TempRoot() {
    char tmpl[] = "/tmp/unmine-classes-XXXXXX";
    root = ::mkdtemp(tmpl);
    write("etc/passwd", "root:x:0:0:root:/root:/bin/bash\n", kOld);
  }
  ~TempRoot() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& data, int64_t mtime = kNow - 3600,
             fs::perms mode = fs::perms(0644)) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << data;
    fs::permissions(root / rel, mode);
    struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
    ::utimensat(AT_FDCWD, (root / rel).c_str(), times, 0);
  }
  PersistenceScan scan(const IncidentIndicators& ind = {}, int64_t window_start = kNow - 30 * 86400) const {
    HostRoot host({root.string(), {}, {}});
    return scan_persistence(host, Playbook::load(), ind, PersistenceWindow{window_start, "since", "test"});
  }
};

const fs::perms kExec = fs::perms(0755);

const Finding* finding_at(const PersistenceScan& s, const std::string& path, std::optional<int> line = std::nullopt) {
  for (auto& f : s.findings)
    if (f.path == path && (!line || f.line == line) && f.kind != "immutable") return &f;
  return nullptr;
}

bool planned(const PersistenceScan& s, const std::string& path) {
  for (auto& a : s.artifacts)
    if (a.path == path) return true;
  return false;
}

}  // namespace

TEST_CASE("classes: a cron line tied through the scripts it runs, to depth 3; both line and scripts reported") {
  TempRoot r;
  r.write("etc/cron.d/maint", "0 * * * * root /usr/local/bin/a.sh\n");
  r.write("usr/local/bin/a.sh", "#!/bin/sh\n/usr/local/bin/b.sh\n", kOld, kExec);
  r.write("usr/local/bin/b.sh", "#!/bin/sh\n/opt/.m/launch\n", kOld, kExec);
  r.write("opt/.m/launch", std::string("#!/bin/sh\n/opt/.m/php-fpm -u ") + kWallet + "\n", kOld, kExec);
  // One step deeper than followed: the line this reaches is never read.
  r.write("etc/cron.d/deep", "0 * * * * root /usr/local/bin/d1.sh\n");
  r.write("usr/local/bin/d1.sh", "/usr/local/bin/d2.sh\n", kOld, kExec);
  r.write("usr/local/bin/d2.sh", "/usr/local/bin/d3.sh\n", kOld, kExec);
  r.write("usr/local/bin/d3.sh", "/usr/local/bin/d4.sh\n", kOld, kExec);
  r.write("usr/local/bin/d4.sh", std::string("xmrig -u ") + kWallet + "\n", kOld, kExec);
  auto s = r.scan();
  auto line = finding_at(s, "/etc/cron.d/maint", 1);
  REQUIRE(line);
  CHECK(line->entry_class == "tied");
  CHECK(line->severity == Severity::high);
  CHECK(line->evidence["rule"] == "runs.runs.runs.wallet");
  for (std::string script : {"/usr/local/bin/a.sh", "/usr/local/bin/b.sh", "/opt/.m/launch"}) {
    CAPTURE(script);
    auto f = finding_at(s, script);
    REQUIRE(f);
    CHECK(f->entry_class == "tied");
    CHECK(planned(s, script));
  }
  CHECK(planned(s, "/etc/cron.d/maint"));
  auto deep = finding_at(s, "/etc/cron.d/deep", 1);
  CHECK((!deep || deep->entry_class != "tied"));
  CHECK_FALSE(finding_at(s, "/usr/local/bin/d4.sh"));
}

TEST_CASE("classes: malicious whatever it runs, new in the window, known otherwise (counted, not listed)") {
  TempRoot r;
  r.write("var/spool/cron/crontabs/root", "* * * * * /tmp/evil.sh\n", kNow - 3600);
  r.write("etc/cron.daily/persistevil", "echo 'Hello from Atomic Red Team' > /tmp/atomic.log\n", kNow - 3600, kExec);
  r.write("etc/cron.daily/logrotate", "#!/bin/sh\n/usr/sbin/logrotate /etc/logrotate.conf\n", kOld, kExec);
  r.write("etc/cron.d/backup", "0 2 * * * root /usr/local/sbin/backup.sh\n", kOld);
  auto s = r.scan();
  auto evil = finding_at(s, "/var/spool/cron/crontabs/root", 1);
  REQUIRE(evil);
  CHECK(evil->entry_class == "malicious");
  CHECK(evil->severity == Severity::high);
  CHECK(planned(s, "/var/spool/cron/crontabs/root"));
  auto fresh = finding_at(s, "/etc/cron.daily/persistevil");
  REQUIRE(fresh);
  CHECK(fresh->entry_class == "new");
  CHECK(fresh->severity == Severity::low);
  CHECK_FALSE(planned(s, "/etc/cron.daily/persistevil"));
  CHECK_FALSE(finding_at(s, "/etc/cron.daily/logrotate"));
  CHECK_FALSE(finding_at(s, "/etc/cron.d/backup"));
  CHECK(s.inventory.malicious == 1);
  CHECK(s.inventory.new_entries == 1);
  CHECK(s.inventory.known >= 2);
  // The same host judged with a window from before the old files: they are new too.
  auto wide = r.scan({}, kOld - 86400);
  CHECK(finding_at(wide, "/etc/cron.d/backup"));
}

TEST_CASE("a preloaded hider's hidden names lead to the files it hides, in the droppers' folders only") {
  TempRoot r;
  // An old hider (outside the window, tied to nothing): the names it keeps among its symbols are followed.
  std::string lib = std::string(
      "\x7f"
      "ELF\0\0readdir\0readdir64\0dlsym\0libc.so.6\0kerberods\0",
      50);
  r.write("etc/ld.so.preload", "/usr/local/lib/libcset.so\n", kOld);
  r.write("usr/local/lib/libcset.so", lib, kOld, kExec);
  r.write("tmp/kerberods",
          "\x7f"
          "ELF miner",
          kOld, kExec);
  r.write("var/tmp/.x/kerberods",
          "\x7f"
          "ELF a copy in a hidden folder",
          kOld, kExec);
  r.write("var/tmp/.x/.y/kerberods",
          "\x7f"
          "ELF two hidden levels down: not looked at",
          kOld, kExec);
  r.write("opt/kerberods",
          "\x7f"
          "ELF not a dropper's folder",
          kOld, kExec);
  r.write("tmp/dlsym.txt", "an unrelated file", kOld);
  auto s = r.scan();
  auto& refs = s.referenced_files;
  auto has = [&](const std::string& p) { return std::find(refs.begin(), refs.end(), p) != refs.end(); };
  CHECK(has("/tmp/kerberods"));
  CHECK(has("/var/tmp/.x/kerberods"));
  CHECK_FALSE(has("/var/tmp/.x/.y/kerberods"));
  CHECK_FALSE(has("/opt/kerberods"));
  CHECK_FALSE(has("/tmp/dlsym.txt"));
  // A library that names nothing in those folders adds nothing.
  TempRoot quiet;
  quiet.write("etc/ld.so.preload", "/usr/local/lib/libfast.so\n", kOld);
  quiet.write("usr/local/lib/libfast.so", lib.substr(0, 30), kOld, kExec);
  quiet.write("tmp/kerberods",
              "\x7f"
              "ELF",
              kOld, kExec);
  CHECK(quiet.scan().referenced_files.empty());
}

TEST_CASE("window: --since first, then the incident's first sign, then the last 30 days") {
  auto since =
      persistence_window(kNow - 100, std::pair<int64_t, std::string>{kNow - 5000, "miner pid 7 started"}, kNow);
  CHECK(since.start == kNow - 100);
  CHECK(since.basis == "since");
  auto sign =
      persistence_window(std::nullopt, std::pair<int64_t, std::string>{kNow - 5000, "miner pid 7 started"}, kNow);
  CHECK(sign.start == kNow - 5000 - 86400);
  CHECK(sign.basis == "incident");
  CHECK(sign.reason.find("miner pid 7 started") != std::string::npos);
  auto none = persistence_window(std::nullopt, std::nullopt, kNow);
  CHECK(none.start == kNow - 30 * 86400);
  CHECK(none.basis == "default");
}

TEST_CASE("beside cron: campaign keys, command= keys, authorized_keys2, homes passwd no longer lists, msr, accounts") {
  TempRoot r;
  r.write("etc/passwd",
          "root:x:0:0:root:/root:/bin/bash\nsysadm:x:1004:1004::/home/sysadm:/bin/bash\n"
          "toor:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n",
          kOld);
  long today = static_cast<long>(kNow / 86400);
  r.write("etc/shadow", "root:*:19000:0:99999:7:::\nsysadm:$6$x$y:" + std::to_string(today) + ":0:99999:7:::\n", kOld);
  r.write("root/.ssh/authorized_keys",
          "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC/yU0iqklqw6etPlUon4mZzxsl hilde@teamtnt.red\n", kOld);
  r.write("home/sysadm/.ssh/authorized_keys2",
          "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHuCKy4C6LE4c4uBJc2KHBGtjxw9 sysadm\n", kOld);
  r.write("home/sysadm/.ssh/authorized_keys",
          "command=\"/usr/bin/rrsync /srv\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHuCKy4C6LE4c4uBJc2KHBGtjxw9 backup\n",
          kOld);
  r.write("home/ghost/.bashrc", "alias ll='ls -l'\nnohup /home/ghost/.cache/.x/xmrig -B &\n", kOld);
  r.write("etc/modprobe.d/msr.conf", "# tuning\noptions msr allow_writes=on\n", kOld);
  auto s = r.scan();
  auto campaign = finding_at(s, "/root/.ssh/authorized_keys", 1);
  REQUIRE(campaign);
  CHECK(campaign->entry_class == "malicious");
  CHECK(planned(s, "/root/.ssh/authorized_keys"));
  auto keys2 = finding_at(s, "/home/sysadm/.ssh/authorized_keys2");
  REQUIRE(keys2);
  CHECK(keys2->entry_class == "new");
  CHECK_FALSE(planned(s, "/home/sysadm/.ssh/authorized_keys2"));
  auto forced = finding_at(s, "/home/sysadm/.ssh/authorized_keys", 1);
  REQUIRE(forced);
  CHECK_FALSE(planned(s, "/home/sysadm/.ssh/authorized_keys"));
  auto ghost = finding_at(s, "/home/ghost/.bashrc", 2);  // no passwd line names /home/ghost
  REQUIRE(ghost);
  CHECK(ghost->entry_class == "tied");
  auto msr = finding_at(s, "/etc/modprobe.d/msr.conf", 2);
  REQUIRE(msr);
  CHECK(msr->kind == "msr");
  CHECK(msr->group == Group::system_optimization);
  CHECK(planned(s, "/etc/modprobe.d/msr.conf"));
  int added = 0, root2 = 0;
  for (auto& f : s.findings)
    if (f.kind == "user.added") {
      added += f.evidence["indicator"] == "sysadm" && f.entry_class == "new";
      root2 += f.evidence["indicator"] == "toor" && f.entry_class == "malicious";
    }
  CHECK(added == 1);
  CHECK(root2 == 1);
  CHECK_FALSE(planned(s, "/etc/passwd"));  // accounts are the responder's to remove
}

TEST_CASE("shadow: the last-change day of each account") {
  auto m = parse_shadow_last_change("root:*:19000:0:99999:7:::\nbob:!:20420::::::\nnoday:x::::::\nbroken\n");
  CHECK(m.at("root") == 19000);
  CHECK(m.at("bob") == 20420);
  CHECK_FALSE(m.count("noday"));
  CHECK(is_login_shell("/bin/bash"));
  CHECK_FALSE(is_login_shell("/usr/sbin/nologin"));
  CHECK_FALSE(is_login_shell("/bin/false"));
}

TEST_CASE("hostile input: a 1 MiB cron line, 10,000 cron files, a loop, /dev/zero, a FIFO, a 2 GiB script") {
  TempRoot r;
  r.write("etc/cron.d/huge", "* * * * * root /bin/true " + std::string(1 << 20, 'a') + "\n");
  for (int i = 0; i < 10000; ++i)
    r.write("var/spool/cron/crontabs/u" + std::to_string(i), "@daily /usr/bin/true\n", kOld);
  r.write("var/spool/cron/crontabs/looper", "* * * * * /usr/local/bin/a.sh\n");
  r.write("usr/local/bin/a.sh", "#!/bin/sh\n/usr/local/bin/b.sh\n", kOld, kExec);
  r.write("usr/local/bin/b.sh", "#!/bin/sh\n/usr/local/bin/a.sh\n", kOld, kExec);
  REQUIRE(::mkfifo((r.root / "etc/cron.d/fifo").c_str(), 0644) == 0);
  r.write("etc/cron.d/runs-fifo", "* * * * * root /opt/pipe\n");
  fs::create_directories(r.root / "opt");
  REQUIRE(::mkfifo((r.root / "opt/pipe").c_str(), 0755) == 0);
  // 2 GiB, sparse: a text start, then NULs; only the first MiB is ever read.
  r.write("opt/big.sh", "#!/bin/sh\n" + std::string(8192, '#') + "\n", kOld, kExec);
  fs::resize_file(r.root / "opt/big.sh", 2ull << 30);
  r.write("etc/cron.d/runs-big", "* * * * * root /opt/big.sh\n");
  // A symlink to /dev/zero resolves inside the root: a real device there only where mknod is allowed.
  fs::create_directories(r.root / "etc/cron.hourly");
  fs::create_symlink("/dev/zero", r.root / "etc/cron.hourly/zero");
  fs::create_directories(r.root / "dev");
  bool zero_device = ::mknod((r.root / "dev/zero").c_str(), S_IFCHR | 0666, makedev(1, 5)) == 0;
  if (!zero_device) MESSAGE("no mknod here (not root): the /dev/zero symlink resolves to nothing under the root");

  auto started = std::chrono::steady_clock::now();
  auto s = r.scan();
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took < std::chrono::seconds(60));
  std::map<std::string, std::string> notes;
  for (auto& a : s.anomalies) notes[a.path] += a.message + ";";
  CHECK(notes["/etc/cron.d/fifo"].find("not a regular file") != std::string::npos);
  CHECK(notes["/opt/pipe"].find("not a regular file") != std::string::npos);
  CHECK(notes["/opt/big.sh"].find("only the start was judged") != std::string::npos);
  if (zero_device) CHECK(notes["/etc/cron.hourly/zero"].find("not a regular file") != std::string::npos);
  // Nothing lost: every cron file was read and counted, the loop judged once each way.
  CHECK(s.inventory.files >= 10003);
  CHECK(s.inventory.known >= 10000);
  auto huge = finding_at(s, "/etc/cron.d/huge");
  REQUIRE(huge);  // the huge line's file is new: shown, its text cut to 4 KiB in the finding
  CHECK(huge->evidence["text"].get<std::string>().size() <= 4096 * 4);
  CHECK(finding_at(s, "/var/spool/cron/crontabs/looper"));
}
