// dpkg's database under a root: lists, md5sums, status conffiles, merged-/usr spellings, files as found on disk.
#include <doctest/doctest.h>

#include "host/dpkg_db.h"

using namespace unmine;

TEST_CASE("dpkg lists and md5sums, with merged-/usr aliases") {
  std::vector<std::string> anomalies;
  auto rows = parse_dpkg_md5sums(
      "0123456789abcdef0123456789abcdef  usr/bin/ls\nnot a line\n0123456789abcdef0123456789abcdeg  x\n", &anomalies);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].path == "usr/bin/ls");
  CHECK(anomalies.size() == 2);
  auto list = parse_dpkg_list("/.\n/usr\n/usr/bin/ls\n\n");
  CHECK(list.size() == 2);
  DpkgDatabase db;
  db.add("coreutils", "/.\n/usr/bin/ls\n", "0123456789abcdef0123456789abcdef  usr/bin/ls\n");
  CHECK(db.owns("/usr/bin/ls"));
  CHECK_FALSE(db.owns("/usr/bin/lsx"));
  CHECK(db.package_of("/usr/bin/ls") == "coreutils");
  CHECK(db.md5("/usr/bin/ls") == std::optional<std::string_view>("0123456789abcdef0123456789abcdef"));
  CHECK(db.ships_name("ls"));
  CHECK_FALSE(db.ships_name("l"));
}

TEST_CASE("dpkg status conffiles: installed digests only, obsolete ones kept, newconffile skipped") {
  auto rows = parse_dpkg_status_conffiles(
      "Package: cron\nConffiles:\n /etc/crontab 0123456789abcdef0123456789abcdef\n"
      " /etc/init.d/cron 0123456789abcdef0123456789abcdef obsolete\nDescription: x\n continued text\n\n"
      "Package: e2fsprogs\nConffiles:\n /etc/mke2fs.conf newconffile\n /etc/with space.conf "
      "0123456789abcdef0123456789abcdef\n");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].package == "cron");
  CHECK(rows[0].path == "/etc/crontab");
  CHECK(rows[1].path == "/etc/init.d/cron");
  CHECK(rows[2].package == "e2fsprogs");
  CHECK(rows[2].path == "/etc/with space.conf");
}

TEST_CASE("dpkg under merged /usr: both spellings own, and owned-unmodified compares the MD5 on disk") {
  HostRoot host({std::string(UNMINE_FIXTURES) + "/hosts/dpkg-merged", {}, {}});
  auto db = DpkgDatabase::load(host);
  // dpkg lists /lib/systemd/...; the disk has /usr/lib/systemd/... (and the reverse for /usr/sbin/sshd).
  for (auto path : {"/lib/systemd/system/ssh.service", "/usr/lib/systemd/system/ssh.service", "/usr/sbin/sshd",
                    "/sbin/sshd", "/bin/bash", "/usr/bin/bash"}) {
    CAPTURE(path);
    CHECK(db.owns(path));
    CHECK(db.md5(path).has_value());
    CHECK(db.owned_unmodified(host, path));
  }
  CHECK(db.package_of("/usr/lib/systemd/system/ssh.service") == "openssh-server");
  CHECK(db.package_of("/sbin/sshd") == "openssh-server");
  CHECK(db.state(host, "/usr/lib/systemd/system-generators/systemd-gpt-auto-generator") ==
        PackageFileState::unmodified);
  // An attacker's line appended to a package unit and to a conffile (its digest is in the status file).
  CHECK(db.state(host, "/usr/lib/systemd/system/cron.service") == PackageFileState::modified);
  CHECK(db.state(host, "/etc/crontab") == PackageFileState::modified);
  CHECK(db.state(host, "/etc/cron.d/e2scrub_all") == PackageFileState::unmodified);
  CHECK(db.package_of("/etc/cron.d/e2scrub_all") == "e2fsprogs");
  CHECK(db.state(host, "/usr/lib/systemd/system") == PackageFileState::no_digest);
  CHECK(db.state(host, "/tmp/.x/kworkerd") == PackageFileState::not_owned);
  CHECK(db.ships_name("sshd"));
  CHECK(db.ships_name("systemd-gpt-auto-generator"));
  CHECK_FALSE(db.ships_name("kworkerd"));
  // Without the links (a root that is not merged) /lib and /usr/lib are different files.
  DpkgDatabase plain;
  plain.add("systemd", "/lib/systemd/system-generators/x\n", "");
  CHECK(plain.owns("/lib/systemd/system-generators/x"));
  CHECK_FALSE(plain.owns("/usr/lib/systemd/system-generators/x"));
}
