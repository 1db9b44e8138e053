// unmine kill [--pid N]... [--apply] [--force] [--watch SECONDS]: freeze the miner's whole tree, then kill
// it; without --apply print the plan. The flow (triage, plan, kill, watch) is kill_flow in lib/actions.
#include <cstdio>
#include <memory>

#include "actions/kill_flow.h"
#include "cmd/commands.h"
#include "core/text.h"
#include "detect/verdict.h"

namespace unmine {
namespace {

// A respawn comes back within minutes (cron's minute, a watchdog's loop); a day is the longest watch asked for.
constexpr long long kMaxWatchSeconds = 86400;

std::string cmdline_text(const std::vector<std::string>& argv) {
  std::string s;
  for (auto& a : argv) s += (s.empty() ? "" : " ") + printable(a);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g s", s);
  return buf;
}

void print_exclusions(const Output& out, const KillPlan& plan) {
  if (plan.excluded.empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (auto& x : plan.excluded)
    rows.push_back({std::to_string(x.pid), printable(x.exe.empty() ? x.comm : x.exe), printable(x.why)});
  out.text("\nLeft running:\n");
  out.table({"PID", "EXE", "WHY"}, rows);
}

ExitCode run_kill(Context& ctx, const KillRequest& request) {
  const auto& out = ctx.out();
  auto flow = kill_flow(ctx.host(), ctx.playbook(), ctx.case_store(), ctx.effects(), request, out.notices());
  const auto& plan = flow.plan;

  auto doc = kill_document(flow, request);

  if (!request.apply) {
    ctx.step_status = "planned";
    ctx.outcome = "plan: kill " + std::to_string(plan.members.size()) + " process(es)";
    if (out.json()) {
      out.document(doc);
    } else if (plan.members.empty()) {
      out.text("Nothing to kill.\n");
    } else {
      std::vector<std::vector<std::string>> rows;
      for (auto& m : plan.members)
        rows.push_back({std::to_string(m.target.pid), std::string(to_string(m.role)), printable(m.target.exe),
                        cmdline_text(m.target.cmdline), printable(m.reason)});
      out.text(out.bold("Plan") + " (nothing done; --apply stops the whole tree, then kills it):\n");
      out.table({"PID", "ROLE", "EXE", "CMDLINE", "REASON"}, rows);
      print_exclusions(out, plan);
      out.text("\nA kill cannot be undone: `unmine preserve` keeps a copy of each executable first.\n");
    }
    if (plan.members.empty()) return ExitCode::ok;
    // A process named with --pid that no detection rates is still something to kill.
    return exit_code_for(std::max(flow.severity.value_or(Severity::low), Severity::low));
  }

  if (!flow.applied) {
    ctx.outcome = "nothing to kill";
    if (out.json())
      out.document(doc);
    else
      out.text("Nothing to kill.\n");
    return ExitCode::ok;
  }

  const auto& result = flow.result;
  const auto& respawns = flow.respawns;
  bool watched = request.watch_seconds > 0;
  ctx.outcome = kill_outcome(flow);
  if (out.json()) {
    out.document(doc);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (auto& a : result.actions)
      rows.push_back({std::to_string(a.id), std::to_string(a.entry.target.pid), std::string(to_string(a.entry.role)),
                      a.status, printable(a.entry.target.exe), a.evidence_id ? std::to_string(*a.evidence_id) : "-",
                      printable(a.error)});
    out.table({"ACTION", "PID", "ROLE", "STATUS", "EXE", "EVIDENCE", "NOTE"}, rows);
    print_exclusions(out, plan);
    if (watched && respawns.empty()) out.text("\nNo respawn in " + seconds_text(request.watch_seconds) + ".\n");
    if (!respawns.empty()) {
      std::vector<std::vector<std::string>> rrows;
      rrows.reserve(respawns.size());
      for (auto& r : respawns)
        rrows.push_back({std::to_string(r.proc.pid), printable(r.proc.exe), r.match.how,
                         r.sources.empty() ? "unknown" : printable(r.sources.front().summary)});
      out.text("\n" + out.bold("Respawned") + ":\n");
      out.table({"PID", "EXE", "MATCHED", "SOURCE"}, rrows);
    }
    out.text("\n" + ctx.outcome + ". A kill cannot be undone; the preserved copies stay in the case.\n");
  }
  if (result.count("failed")) return ExitCode::runtime;
  if (!respawns.empty()) return ExitCode::found_high;
  return ExitCode::ok;
}

}  // namespace

void add_kill(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<KillRequest>();
  auto* sub = app.add_subcommand("kill", "freeze the miner's whole tree, then kill it (a plan unless --apply)");
  sub->add_option("--pid", args->pids, "the miner's PID (repeatable); default: every miner triage reports")
      ->transform(whole_number("a process ID"));
  sub->add_flag("--force", args->force, "kill even when an executable is not preserved in the case");
  sub->add_option("--watch", args->watch_seconds, "after the kill, watch SECONDS for a respawn and name its source")
      ->transform(whole_number("seconds", 0, kMaxWatchSeconds));
  sub->callback([&ctx, args] {
    ctx.step = "kill";
    ctx.run = [&ctx, args] {
      args->apply = ctx.opt.apply;
      return run_kill(ctx, *args);
    };
  });
}

}  // namespace unmine
