#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "host/msr.h"
#include "playbook/playbook.h"
#include "verify/baseline.h"
#include "verify/block_check.h"
#include "verify/check.h"
#include "verify/connection_check.h"
#include "verify/duration.h"
#include "verify/expiry.h"
#include "verify/schedule_files.h"
#include "verify/tuning_check.h"
#include "verify/watch.h"

using namespace unmine;
using std::chrono::seconds;

TEST_CASE("durations as a responder types them") {
  struct Row {
    const char* text;
    std::optional<int64_t> secs;
  };
  const Row rows[] = {{"30s", 30},
                      {"10m", 600},
                      {"1h", 3600},
                      {"72h", 259200},
                      {"3d", 259200},
                      {"1h30m", 5400},
                      {"45", 45},
                      {"", std::nullopt},
                      {"h", std::nullopt},
                      {"1x", std::nullopt},
                      {"1h30", std::nullopt},
                      {"-5s", std::nullopt},
                      {"99999999999s", std::nullopt}};
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto d = parse_duration(r.text);
    REQUIRE(d.has_value() == r.secs.has_value());
    if (d) CHECK(d->count() == *r.secs);
  }
  CHECK(format_duration(seconds(259200)) == "72h");
  CHECK(format_duration(seconds(5400)) == "1h30m");
  CHECK(format_duration(seconds(45)) == "45s");
  CHECK(format_duration(seconds(14 * 86400)) == "14d");
}

TEST_CASE("ISO 8601 UTC end of a window") {
  CHECK(parse_iso8601_utc("1970-01-01T00:01:00Z") == 60);
  CHECK(parse_iso8601_utc("2026-11-23T12:00:00.123456Z") == parse_iso8601_utc("2026-11-23T12:00:00Z"));
  CHECK_FALSE(parse_iso8601_utc("2026-11-23 12:00:00"));
  CHECK_FALSE(parse_iso8601_utc("2026-11-23T12:00:00+02:00"));
  CHECK_FALSE(parse_iso8601_utc("2026-13-23T12:00:00Z"));
}

TEST_CASE("watch plans the window's checks, start and end included") {
  CHECK(planned_checks({seconds(1), seconds(3), false}) == 4);
  CHECK(planned_checks({seconds(3600), seconds(72 * 3600), false}) == 73);
  CHECK(planned_checks({seconds(10), seconds(5), false}) == 1);
}

TEST_CASE("watch stops at the first re-appearance with until_found") {
  std::atomic<bool> stop{false};
  int n = 0;
  auto check = [&] {
    CheckResult c;
    if (++n == 2) c.exit_code = ExitCode::found_high;
    return c;
  };
  int statuses = 0;
  auto r = watch(
      {seconds(0), seconds(0), true}, check, [&](const WatchStatus&) { ++statuses; }, stop);
  CHECK(r.checks.size() == 1);  // a zero window is one check
  n = 0;
  r = watch(
      {seconds(1), seconds(5), true}, check, [&](const WatchStatus&) { ++statuses; }, stop);
  CHECK(r.checks.size() == 2);
  CHECK(r.stopped == "found");
  stop = true;
  r = watch(
      {seconds(1), seconds(5), false}, check, [](const WatchStatus&) {}, stop);
  CHECK(r.stopped == "interrupted");
}

TEST_CASE("cron time fields for an interval") {
  struct Row {
    int64_t every;
    const char* cron;
  };
  const Row rows[] = {{30, "* * * * *"},         {60, "* * * * *"},   {600, "*/10 * * * *"},
                      {7 * 60, "*/6 * * * *"},   {3600, "0 * * * *"}, {4 * 3600, "0 */4 * * *"},
                      {5 * 3600, "0 */4 * * *"}, {86400, "0 0 * * *"}};
  for (auto& r : rows) {
    CAPTURE(r.every);
    CHECK(cron_schedule(seconds(r.every)) == r.cron);
  }
}

TEST_CASE("quoting for cron's shell and systemd's ExecStart") {
  CHECK(shell_quote("/a b/it's") == "'/a b/it'\\''s'");
  CHECK(systemd_quote("/a b/%h$x\"") == "\"/a b/%%h$$x\\\"\"");
}

TEST_CASE("schedule files name the case, this binary and the window") {
  ScheduleSpec s{"0f8fad5b-d9cb-469f-a165-70867728950e",
                 "/opt/unmine/unmine",
                 "/srv/case one",
                 seconds(600),
                 "2026-11-26T12:00:00Z",
                 "cron"};
  auto cron = schedule_files(s);
  REQUIRE(cron.size() == 1);
  CHECK(cron[0].path == "/etc/cron.d/unmine-verify-0f8fad5b-d9cb-469f-a165-70867728950e");
  CHECK(cron[0].content.find("*/10 * * * * root '/opt/unmine/unmine' '--case' '/srv/case one' '--root' '/' 'verify' "
                             "'--expire-after' '2026-11-26T12:00:00Z' >/dev/null 2>&1\n") != std::string::npos);
  s.scheduler = "systemd";
  auto units = schedule_files(s);
  REQUIRE(units.size() == 2);
  CHECK(units[0].path == "/etc/systemd/system/unmine-verify-0f8fad5b-d9cb-469f-a165-70867728950e.service");
  CHECK(units[0].content.find("ExecStart=\"/opt/unmine/unmine\" \"--case\" \"/srv/case one\"") != std::string::npos);
  CHECK(units[1].content.find("OnUnitActiveSec=10m\n") != std::string::npos);
  CHECK(units[1].content.find("WantedBy=timers.target") != std::string::npos);
  s.case_dir = "/srv/50%";
  CHECK_NOTHROW(schedule_files(s));  // systemd escapes % itself
  s.scheduler = "cron";
  CHECK_THROWS_AS(schedule_files(s), UsageError);
  s.case_dir = "/srv/a\nb";
  CHECK_THROWS_AS(schedule_files(s), UsageError);
}

TEST_CASE("hosts sinkhole block still intact") {
  RecordedAction by_lines{1,
                          "block.hosts",
                          {{"path", "/etc/hosts"}},
                          nullptr,
                          {{"lines", {"# unmine block begin", "0.0.0.0 pool.example", "# unmine block end"}}},
                          nullptr};
  CHECK(missing_hosts_entries("127.0.0.1 localhost\n# unmine block begin\n0.0.0.0 pool.example\n# unmine block end\n",
                              by_lines)
            .empty());
  CHECK(missing_hosts_entries("127.0.0.1 localhost\n", by_lines).size() == 3);
  RecordedAction by_hosts{2, "block.hosts", {{"hosts", {"Pool.Example", "xmr.example"}}}, nullptr, nullptr, nullptr};
  CHECK(missing_hosts_entries("0.0.0.0 pool.example xmr.example # sinkhole\n", by_hosts).empty());
  auto missing = missing_hosts_entries("0.0.0.0 pool.example\n# 0.0.0.0 xmr.example\n10.0.0.1 xmr.example\n", by_hosts);
  REQUIRE(missing.size() == 1);
  CHECK(missing[0] == "xmr.example");
}

TEST_CASE("tuning still in force is a finding only when the case saw tuning") {
  TuningState s{128, std::string("on")};
  auto seen = tuning_findings(s, true);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].severity == Severity::medium);
  CHECK(seen[0].kind == "sysctl.hugepages");
  CHECK(seen[1].kind == "msr");
  auto unseen = tuning_findings(s, false);
  REQUIRE(unseen.size() == 2);
  CHECK(unseen[0].severity == Severity::info);
  CHECK(tuning_findings({0, std::string("off")}, true).empty());
  CHECK(tuning_findings({}, true).empty());
  // The msr parameter is judged as validate judges it: a boolean's "Y" or "1" allows writes too.
  for (auto value : {"Y", "1"}) CHECK(tuning_findings({0, std::string(value)}, true).size() == 1);
  CHECK(msr_allows_writes("on"));
  CHECK_FALSE(msr_allows_writes("off"));
  CHECK_FALSE(msr_allows_writes("N"));
}

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "verify/persistence_check.h"

TEST_CASE("a neutralised artifact is back when its line or file returns") {
  auto root = std::filesystem::temp_directory_path() / ("unmine-verify-unit-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "etc/cron.d");
  auto write = [&](const char* rel, const std::string& text) { std::ofstream(root / rel) << text; };
  HostRoot host({root.string(), "", ""});
  IncidentIndicators incident;
  incident.paths.insert("/tmp/.x/xmrig");

  RecordedAction line{7,
                      "unpersist.cron_line",
                      {{"path", "/etc/crontab"}, {"line", 3}, {"text", "* * * * * root /tmp/.x/xmrig"}},
                      nullptr,
                      nullptr,
                      nullptr};
  write("etc/crontab", "SHELL=/bin/sh\n# * * * * * root /tmp/.x/xmrig\n");
  CHECK_FALSE(recheck_unpersisted(host, line, incident));
  write("etc/crontab", "SHELL=/bin/sh\n  * * * * * root /tmp/.x/xmrig  \n");
  auto back = recheck_unpersisted(host, line, incident);
  REQUIRE(back);
  CHECK(back->group == Group::persistence);
  CHECK(back->kind == "cron");
  CHECK(back->line == 3);

  RecordedAction file{8, "unpersist.file", {{"path", "/etc/cron.d/miner"}}, nullptr, nullptr, nullptr};
  CHECK_FALSE(recheck_unpersisted(host, file, incident));  // still gone
  write("etc/cron.d/miner", "# harmless\n");
  CHECK_FALSE(recheck_unpersisted(host, file, incident));  // a file of that name that names nothing of ours
  write("etc/cron.d/miner", "@reboot root /tmp/.x/xmrig\n");
  CHECK(recheck_unpersisted(host, file, incident));
  std::filesystem::remove_all(root);
}

TEST_CASE("verify: a closing socket no process holds is the killed miner's, not a recurrence") {
  HostRoot host({UNMINE_FIXTURES "/hosts/verify_closing", "", ""});
  CaseBaseline b;
  b.indicators.ips = {"203.0.113.7"};
  b.indicators.ports = {3333};
  auto c = check_connections(host, b);
  REQUIRE(c.findings.size() == 1);  // TIME_WAIT, FIN_WAIT2 and CLOSE_WAIT without owner are left out
  CHECK(c.findings[0].pid == 77);
  CHECK(c.findings[0].evidence["state"] == "ESTABLISHED");
}

TEST_CASE("verify: a miner named like a system program never makes the real one a recurrence") {
  // The miner was called sshd; the host's own /usr/sbin/sshd runs. Its name alone is no finding, and the
  // miner's own path still is.
  namespace fs = std::filesystem;
  auto root = fs::temp_directory_path() / ("unmine-unit-verify-names-" + std::to_string(::getpid()));
  fs::remove_all(root);
  auto proc = root / "proc";
  auto make = [&](int pid, const std::string& exe) {
    auto dir = proc / std::to_string(pid);
    fs::create_directories(dir / "fd");
    fs::copy_file(fs::path(UNMINE_FIXTURES) / "hosts/verify_closing/proc/77/stat", dir / "stat");
    fs::copy_file(fs::path(UNMINE_FIXTURES) / "hosts/verify_closing/proc/77/status", dir / "status");
    std::ofstream(dir / "cmdline") << fs::path(exe).filename().string() << '\0';
    fs::create_symlink(exe, dir / "exe");
  };
  make(77, "/usr/sbin/sshd");
  make(78, "/tmp/.x/sshd");
  fs::copy(fs::path(UNMINE_FIXTURES) / "hosts/verify_closing/proc/stat", proc / "stat");
  HostRoot host({root.string(), proc.string(), ""});
  CaseBaseline b;
  b.indicators.names = {"sshd"};
  b.indicators.paths = {"/tmp/.x/sshd"};
  ToolRunner tools = [](const std::vector<std::string>&) { return RunResult{}; };
  auto r = run_check(host, Playbook::load(), tools, b);
  std::set<int> pids;
  for (auto& f : r.findings)
    if (f.group == Group::miner && f.pid) pids.insert(*f.pid);
  CHECK(pids == std::set<int>{78});
  fs::remove_all(root);
}
