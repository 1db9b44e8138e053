// unmine kill [--pid N]... [--apply] [--force] [--watch SECONDS]: freeze the miner's whole tree, then kill
// it; without --apply print the plan. The plan, the kill and the watch live in lib/actions and lib/detect.
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "actions/kill.h"
#include "actions/kill_plan.h"
#include "case/indicators_store.h"
#include "cmd/commands.h"
#include "core/text.h"
#include "detect/respawn.h"
#include "detect/triage.h"
#include "detect/verdict.h"
#include "persist/persistence.h"

namespace unmine {
namespace {

// A respawn comes back within minutes (cron's minute, a watchdog's loop); a day is the longest watch asked for.
constexpr long long kMaxWatchSeconds = 86400;

struct KillArgs {
  std::vector<int> pids;
  bool force = false;
  double watch_seconds = 0;
};

// The finding that reports each process (its most severe), so plan reasons name it.
std::map<int, const Finding*> findings_by_pid(const std::vector<Finding>& findings) {
  std::map<int, const Finding*> out;
  for (auto& f : findings) {
    if (!f.pid) continue;
    auto& cur = out[*f.pid];
    if (!cur || f.severity > cur->severity) cur = &f;
  }
  return out;
}

// Indicators of a process named with --pid: its executable, folder, name and inode tie ancestors to it.
IncidentIndicators indicators_of(const Process& p) {
  IncidentIndicators ind;
  if (!p.exe.empty() && !p.exe_memfd) {
    ind.paths.insert(p.exe);
    auto dir = std::filesystem::path(p.exe).parent_path().string();
    if (!is_generic_dir(dir)) ind.dirs.insert(dir);
    ind.names.insert(std::filesystem::path(p.exe).filename().string());
  }
  if (p.exe_ino) ind.inodes.insert({static_cast<uint64_t>(p.exe_dev), static_cast<uint64_t>(p.exe_ino)});
  return ind;
}

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

ExitCode run_kill(Context& ctx, const KillArgs& args) {
  const auto& host = ctx.host();
  const auto& out = ctx.out();
  if (args.watch_seconds > 0 && !ctx.opt.apply) throw UsageError("--watch watches for a respawn after the kill: it needs --apply");
  if (ctx.opt.apply && !host.proc_is_live())
    throw RuntimeError("kill --apply needs the live procfs (" + host.proc_path() + " is not one)");
  auto& store = ctx.case_store();

  TriageOptions topts;
  topts.pids = args.pids;
  topts.persistence = false;
  auto triage = run_triage(host, ctx.playbook(), topts);
  for (auto& n : triage.notes) out.note(n);
  auto by_pid = findings_by_pid(triage.findings);

  IncidentIndicators incident = triage.indicators;
  incident.merge(load_indicators(store));
  std::vector<KillSeed> seeds;
  ProcReader reader(host);
  auto reason_for = [&](int pid, const std::string& fallback) {
    auto it = by_pid.find(pid);
    return it == by_pid.end() ? fallback : it->second->id;
  };
  if (!args.pids.empty()) {
    for (int pid : args.pids) {
      seeds.push_back({pid, reason_for(pid, "--pid")});
      if (auto p = reader.read(pid)) incident.merge(indicators_of(*p));
    }
  } else {
    for (auto& m : triage.miners) seeds.push_back({m.proc.pid, reason_for(m.proc.pid, "reported by triage")});
  }

  auto plan = plan_kill_live(host, seeds, incident);
  for (auto& n : plan.notes) out.note(n);

  std::optional<Severity> severity;
  for (auto& m : plan.members)
    if (auto it = by_pid.find(m.target.pid); it != by_pid.end())
      severity = std::max(severity.value_or(Severity::info), it->second->severity);

  // A kill cannot be undone: the preserved copy of each executable is what is kept.
  nlohmann::json doc = {{"command", "kill"}, {"apply", ctx.opt.apply}, {"undo", nullptr}};
  auto excluded = nlohmann::json::array();
  for (auto& x : plan.excluded) excluded.push_back(x.to_json());
  doc["excluded"] = excluded;
  doc["notes"] = plan.notes;

  if (!ctx.opt.apply) {
    ctx.step_status = "planned";
    auto plan_json = nlohmann::json::array();
    for (auto& m : plan.members) plan_json.push_back(m.to_json());
    doc["plan"] = plan_json;
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
    return exit_code_for(std::max(severity.value_or(Severity::low), Severity::low));
  }

  // A protected process named with --pid is refused outright, not quietly left out of the kill.
  std::string refused;
  for (int pid : args.pids)
    for (auto& x : plan.excluded)
      if (x.pid == pid && !plan.find(pid))
        refused += (refused.empty() ? "" : "; ") + ("PID " + std::to_string(pid) + " (" + printable(x.exe.empty() ? x.comm : x.exe) + "): " + printable(x.why));
  if (!refused.empty()) throw SafetyRefusal("not killing anything: " + refused + ". Name only the miner's PIDs");

  if (plan.members.empty()) {
    ctx.outcome = "nothing to kill";
    doc["actions"] = nlohmann::json::array();
    if (out.json()) out.document(doc);
    else out.text("Nothing to kill.\n");
    return ExitCode::ok;
  }

  // What existed before the kill is never a respawn; taken now, so a respawn during the kill is seen.
  LiveProcesses procs(host);
  LiveProcesses watch_procs(host, kProcCgroup);
  std::set<std::pair<int, uint64_t>> baseline;
  RespawnPattern pattern;
  if (args.watch_seconds > 0) {
    for (auto& p : procs.all()) baseline.insert({p.pid, p.start_ticks});
    pattern.incident = incident;
  }

  auto result = apply_kill(plan, procs, ctx.effects(), store, KillOptions{args.force});
  for (auto& n : result.notes) out.note(n);

  std::vector<Respawn> respawns;
  if (args.watch_seconds > 0) {
    for (auto& a : result.actions)
      if (a.entry.role == KillRole::miner || a.entry.role == KillRole::same_inode) {
        Process killed;
        killed.exe = a.entry.target.exe;
        killed.cmdline = a.entry.target.cmdline;
        killed.exe_dev = static_cast<dev_t>(a.entry.target.exe_dev);
        killed.exe_ino = static_cast<ino_t>(a.entry.target.exe_ino);
        pattern.add(killed, a.before.value("sha256", ""));
      }
    for (auto& ino : incident.inodes) pattern.inodes.insert(ino);
    out.progress("watching for a respawn for " + seconds_text(args.watch_seconds));
    RespawnWatchOptions wopts;
    wopts.duration = std::chrono::milliseconds(static_cast<int64_t>(args.watch_seconds * 1000));
    respawns = watch_respawns(
        watch_procs, pattern, baseline,
        [&] { return scan_persistence(host, ctx.playbook(), incident).artifacts; },
        [&] { return pool_connections(host, incident); }, wopts);
    out.progress_done();
    std::vector<Finding> findings;
    for (auto& r : respawns) findings.push_back(r.finding);
    store.record_findings(findings, store.current_step());
  }

  auto actions = nlohmann::json::array();
  for (auto& a : result.actions) actions.push_back(a.to_json());
  doc["actions"] = actions;
  doc["notes"] = result.notes;
  for (auto& n : plan.notes) doc["notes"].push_back(n);
  if (args.watch_seconds > 0) {
    auto rs = nlohmann::json::array();
    auto fs = nlohmann::json::array();
    for (auto& r : respawns) rs.push_back(r.to_json()), fs.push_back(r.finding.to_json());
    doc["respawns"] = rs;
    doc["findings"] = fs;
    doc["watch_seconds"] = args.watch_seconds;
  }
  size_t done = result.count("done"), failed = result.count("failed"), skipped = result.count("skipped");
  ctx.outcome = "killed " + std::to_string(done) + " of " + std::to_string(result.actions.size()) + " process(es)" +
                (failed ? ", " + std::to_string(failed) + " failed" : "") +
                (skipped ? ", " + std::to_string(skipped) + " skipped" : "") +
                (respawns.empty() ? "" : ", " + std::to_string(respawns.size()) + " respawn(s)");
  if (out.json()) {
    out.document(doc);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (auto& a : result.actions)
      rows.push_back({std::to_string(a.id), std::to_string(a.entry.target.pid), std::string(to_string(a.entry.role)),
                      a.status, printable(a.entry.target.exe),
                      a.evidence_id ? std::to_string(*a.evidence_id) : "-", printable(a.error)});
    out.table({"ACTION", "PID", "ROLE", "STATUS", "EXE", "EVIDENCE", "NOTE"}, rows);
    print_exclusions(out, plan);
    if (args.watch_seconds > 0) {
      if (respawns.empty()) {
        out.text("\nNo respawn in " + seconds_text(args.watch_seconds) + ".\n");
      } else {
        std::vector<std::vector<std::string>> rrows;
        for (auto& r : respawns)
          rrows.push_back({std::to_string(r.proc.pid), printable(r.proc.exe), r.match.how,
                           r.sources.empty() ? "unknown" : printable(r.sources.front().summary)});
        out.text("\n" + out.bold("Respawned") + ":\n");
        out.table({"PID", "EXE", "MATCHED", "SOURCE"}, rrows);
      }
    }
    out.text("\n" + ctx.outcome + ". A kill cannot be undone; the preserved copies stay in the case.\n");
  }
  if (failed) return ExitCode::runtime;
  if (!respawns.empty()) return ExitCode::found_high;
  return ExitCode::ok;
}

}  // namespace

void add_kill(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<KillArgs>();
  auto* sub = app.add_subcommand("kill", "freeze the miner's whole tree, then kill it (a plan unless --apply)");
  sub->add_option("--pid", args->pids, "the miner's PID (repeatable); default: every miner triage reports")
      ->check(whole_number("a process ID"));
  sub->add_flag("--force", args->force, "kill even when an executable is not preserved in the case");
  sub->add_option("--watch", args->watch_seconds, "after the kill, watch SECONDS for a respawn and name its source")
      ->check(whole_number("seconds", 0, kMaxWatchSeconds));
  sub->callback([&ctx, args] {
    ctx.step = "kill";
    ctx.run = [&ctx, args] { return run_kill(ctx, *args); };
  });
}

}  // namespace unmine
