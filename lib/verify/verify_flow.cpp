#include "verify/verify_flow.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <ctime>
#include <filesystem>

#include "case/case_reader.h"
#include "core/text.h"
#include "verify/check.h"
#include "verify/duration.h"
#include "verify/expiry.h"
#include "verify/schedule.h"
#include "verify/watch.h"

namespace unmine {
namespace {

std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

std::chrono::seconds duration_option(const std::string& name, const std::string& value) {
  auto d = parse_duration(value);
  if (!d || d->count() <= 0) throw UsageError(name + " " + value + ": expected a duration such as 30s, 10m, 1h, 72h");
  return *d;
}

std::string clock_time(std::chrono::system_clock::time_point t) {
  auto tt = std::chrono::system_clock::to_time_t(t);
  struct tm tm {};
  ::localtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string result_word(const CheckResult& c) {
  if (c.clean()) return "clean";
  return std::to_string(c.findings.size()) + " finding(s), " + c.verdict.case_name;
}

CheckResult check_once(const VerifyDeps& d, const CaseBaseline& baseline) {
  auto c = run_check(d.host, d.playbook, d.tools, baseline);
  record_check(d.store, c, d.store.current_step());
  return c;
}

nlohmann::json check_document(const std::vector<CheckResult>& checks, const CheckResult& decisive) {
  nlohmann::json all = nlohmann::json::array();
  for (auto& c : checks) all.push_back(c.to_json());
  return {{"clean", decisive.clean()},
          {"verdict", decisive.verdict.to_json()},
          {"severity", decisive.severity ? std::string(to_string(*decisive.severity)) : std::string("none")},
          {"exit_code", static_cast<int>(decisive.exit_code)},
          {"findings", findings_json(decisive.findings)},
          {"notes", decisive.notes},
          {"checks", all}};
}

void print_check(const Output& out, const CheckResult& c) {
  for (auto& n : c.notes) out.note(printable(n));
  auto count = [&](const char* key) { return std::to_string(c.coverage.value(key, 0)); };
  out.text("checked " + count("processes") + " processes, " + count("sockets") + " connections, " +
           count("unpersisted_artifacts") + " neutralised artifacts, " + count("blocks") + " blocks\n");
  if (c.clean())
    out.text("clean: no miner process, pool connection, returned persistence or lifted block\n");
  else
    print_findings(out, c.findings);
  out.text("verdict: " + out.bold(c.verdict.case_name) +
           (c.severity ? " (" + out.severity(*c.severity) + ")" : std::string()) + "\n");
}

// The check that decides the exit code of a watch: the first that found something, else the last.
const CheckResult& decisive_check(const std::vector<CheckResult>& checks) {
  const CheckResult* worst = &checks.back();
  for (auto& c : checks)
    if (c.exit_code > worst->exit_code) worst = &c;
  return *worst;
}

ExitCode run_schedule(const VerifyDeps& d, const VerifyOptions& o, bool remove, VerifyStep& step) {
  auto& store = d.store;
  bool systemd_live = systemd_running(d.host);
  ScheduleOutcome outcome;
  std::string what;
  if (remove) {
    outcome = unschedule_verify(store, d.host, d.effects, o.apply, systemd_live);
    what = "unschedule";
  } else {
    ScheduleSpec spec;
    spec.case_uuid = case_uuid(store);
    std::error_code ec;
    spec.exe = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec || spec.exe.empty())
      throw RuntimeError("cannot tell where this binary is (/proc/self/exe): " + ec.message());
    spec.case_dir = std::filesystem::absolute(store.dir()).lexically_normal().string();
    spec.every = duration_option("--every", o.every);
    auto window = duration_option("--for", o.window);
    spec.until = iso8601(static_cast<int64_t>(::time(nullptr)) + window.count());
    if (o.scheduler == "auto")
      spec.scheduler = systemd_live ? "systemd" : "cron";
    else
      spec.scheduler = o.scheduler;
    outcome = schedule_verify(store, d.host, d.effects, spec, o.apply, systemd_live);
    what = "schedule (" + spec.scheduler + ", every " + format_duration(spec.every) + " until " + spec.until + ")";
  }
  auto& out = d.out;
  for (auto& n : outcome.notes) out.note(printable(n));
  if (!o.apply) {
    step.status = "planned";
    step.outcome = "planned " + what;
    if (out.json()) {
      out.document({{"plan", outcome.plan}, {"notes", outcome.notes}});
    } else {
      for (auto& p : outcome.plan) {
        out.text(p["kind"].get<std::string>() + " " + p["target"]["path"].get<std::string>() + "\n");
        if (p.contains("content")) out.text(p["content"].get<std::string>() + "\n");
      }
      out.text("(plan only: add --apply to " + std::string(remove ? "remove it" : "install it") + ")\n");
    }
    return ExitCode::ok;
  }
  bool failed = false;
  for (auto& a : outcome.actions) failed |= a["status"] != "done";
  step.outcome = (failed ? "failed to " : "") + what;
  if (out.json()) {
    out.document({{"actions", outcome.actions}, {"notes", outcome.notes}});
  } else {
    std::vector<std::vector<std::string>> rows;
    for (auto& a : outcome.actions)
      rows.push_back({std::to_string(a["id"].get<int64_t>()), a["kind"].get<std::string>(),
                      a["target"]["name"].get<std::string>(), a["status"].get<std::string>(), a.value("error", "")});
    out.table({"ACTION", "KIND", "NAME", "STATUS", "ERROR"}, rows);
  }
  return failed ? ExitCode::runtime : ExitCode::ok;
}

void check_verify_options(const VerifyOptions& o) {
  if (o.schedule && o.unschedule) throw UsageError("--schedule and --unschedule exclude each other");
  if ((o.schedule || o.unschedule) && o.watch)
    throw UsageError("--watch runs in the foreground; --schedule installs it on the host");
  if (o.until_found && !o.watch) throw UsageError("--until-found needs --watch");
}

}  // namespace

ExitCode run_verify(const VerifyDeps& d, const VerifyOptions& o, VerifyStep& step) {
  check_verify_options(o);
  if (o.schedule || o.unschedule) return run_schedule(d, o, o.unschedule, step);

  auto& out = d.out;
  if (!o.expire_after.empty()) {
    auto until = parse_iso8601_utc(o.expire_after);
    if (!until)
      throw UsageError("--expire-after " + o.expire_after + ": expected an ISO 8601 UTC time (2026-11-26T12:00:00Z)");
    if (static_cast<int64_t>(::time(nullptr)) >= *until) {
      out.note("the monitoring window ended at " + o.expire_after + ": removing the schedule");
      auto removed = unschedule_verify(d.store, d.host, d.effects, true, systemd_running(d.host));
      step.outcome = "monitoring window ended; schedule removed";
      if (out.json()) out.document({{"expired", true}, {"actions", removed.actions}, {"notes", removed.notes}});
      return ExitCode::ok;
    }
  }

  auto baseline = CaseBaseline::from_case(d.store);
  std::vector<CheckResult> checks;
  std::string stopped;
  if (o.watch) {
    WatchOptions w{duration_option("--every", o.every), duration_option("--for", o.window), o.until_found};
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    auto status = [&](const WatchStatus& s) {
      std::string line = "verify: check " + std::to_string(s.checks_done) + "/" + std::to_string(s.checks_planned) +
                         " " + result_word(*s.last) +
                         (s.next ? "; next at " + clock_time(*s.next) : std::string("; window done"));
      out.progress(line);
      if (!::isatty(STDERR_FILENO) || out.json()) out.note(line.substr(8));
    };
    auto result = watch(
        w, [&] { return check_once(d, baseline); }, status, g_stop);
    out.progress_done();
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    checks = std::move(result.checks);
    stopped = result.stopped;
    if (checks.empty()) throw RuntimeError("interrupted before the first check");
  } else {
    checks.push_back(check_once(d, baseline));
  }

  auto& decisive = decisive_check(checks);
  step.outcome = (decisive.clean() ? std::string("clean") : result_word(decisive)) +
                 (o.watch ? " (" + std::to_string(checks.size()) + " checks, " + stopped + ")" : std::string());
  if (out.json()) {
    auto doc = check_document(checks, decisive);
    doc["mode"] = o.watch ? "watch" : "once";
    if (o.watch)
      doc["watch"] = {{"every", o.every},
                      {"for", o.window},
                      {"until_found", o.until_found},
                      {"stopped", stopped},
                      {"checks_done", checks.size()}};
    out.document(doc);
  } else {
    print_check(out, decisive);
    if (o.watch) out.text(std::to_string(checks.size()) + " checks (" + stopped + ")\n");
  }
  return decisive.exit_code;
}

}  // namespace unmine
