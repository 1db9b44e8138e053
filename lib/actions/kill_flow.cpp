#include "actions/kill_flow.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "case/indicators_store.h"
#include "core/error.h"
#include "core/text.h"
#include "detect/triage.h"
#include "persist/persistence.h"

namespace unmine {
namespace {

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

// A protected process named with --pid is refused outright, not quietly left out of the kill.
void refuse_protected(const KillPlan& plan, const std::vector<int>& pids) {
  std::string refused;
  for (int pid : pids)
    for (auto& x : plan.excluded)
      if (x.pid == pid && !plan.find(pid))
        refused +=
            (refused.empty() ? "" : "; ") + ("PID " + std::to_string(pid) + " (" +
                                             printable(x.exe.empty() ? x.comm : x.exe) + "): " + printable(x.why));
  if (!refused.empty()) throw SafetyRefusal("not killing anything: " + refused + ". Name only the miner's PIDs");
}

}  // namespace

KillFlowResult kill_flow(const HostRoot& host, const Playbook& playbook, CaseStore& store, Effects& effects,
                         const KillRequest& request, const Notices& notices) {
  if (request.watch_seconds > 0 && !request.apply)
    throw UsageError("--watch watches for a respawn after the kill: it needs --apply");
  if (request.apply && !host.proc_is_live())
    throw RuntimeError("kill --apply needs the live procfs (" + host.proc_path() + " is not one)");

  TriageOptions topts;
  topts.pids = request.pids;
  topts.persistence = false;
  auto triage = run_triage(host, playbook, topts);
  for (auto& n : triage.notes) notices.note(n);
  auto by_pid = findings_by_pid(triage.findings);

  IncidentIndicators incident = triage.indicators;
  incident.merge(load_indicators(store));
  std::vector<KillSeed> seeds;
  ProcReader reader(host);
  auto reason_for = [&](int pid, const std::string& fallback) {
    auto it = by_pid.find(pid);
    return it == by_pid.end() ? fallback : it->second->id;
  };
  if (!request.pids.empty()) {
    for (int pid : request.pids) {
      seeds.push_back({pid, reason_for(pid, "--pid")});
      if (auto p = reader.read(pid)) incident.merge(indicators_of(*p));
    }
  } else {
    for (auto& m : triage.miners) seeds.push_back({m.proc.pid, reason_for(m.proc.pid, "reported by triage")});
  }

  KillFlowResult out;
  out.plan = plan_kill_live(host, seeds, incident);
  for (auto& n : out.plan.notes) notices.note(n);
  for (auto& m : out.plan.members)
    if (auto it = by_pid.find(m.target.pid); it != by_pid.end())
      out.severity = std::max(out.severity.value_or(Severity::info), it->second->severity);
  if (!request.apply) return out;
  refuse_protected(out.plan, request.pids);
  if (out.plan.members.empty()) return out;

  // What existed before the kill is never a respawn; taken now, so a respawn during the kill is seen.
  LiveProcesses procs(host);
  LiveProcesses watch_procs(host, kProcCgroup);
  std::set<std::pair<int, uint64_t>> baseline;
  RespawnPattern pattern;
  if (request.watch_seconds > 0) {
    for (auto& p : procs.all()) baseline.insert({p.pid, p.start_ticks});
    pattern.incident = incident;
  }

  out.applied = true;
  out.result = apply_kill(out.plan, procs, effects, store, KillOptions{request.force});
  for (auto& n : out.result.notes) notices.note(n);
  if (request.watch_seconds <= 0) return out;

  for (auto& a : out.result.actions)
    if (a.entry.role == KillRole::miner || a.entry.role == KillRole::same_inode) {
      Process killed;
      killed.exe = a.entry.target.exe;
      killed.cmdline = a.entry.target.cmdline;
      killed.exe_dev = static_cast<dev_t>(a.entry.target.exe_dev);
      killed.exe_ino = static_cast<ino_t>(a.entry.target.exe_ino);
      pattern.add(killed, a.before.value("sha256", ""));
    }
  for (auto& ino : incident.inodes) pattern.inodes.insert(ino);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%g s", request.watch_seconds);
  notices.progress(std::string("watching for a respawn for ") + seconds);
  RespawnWatchOptions wopts;
  wopts.duration = std::chrono::milliseconds(static_cast<int64_t>(request.watch_seconds * 1000));
  out.respawns = watch_respawns(
      watch_procs, pattern, baseline, [&] { return scan_persistence(host, playbook, incident).artifacts; },
      [&] { return pool_connections(host, incident); }, wopts);
  notices.progress_done();
  std::vector<Finding> findings;
  for (auto& r : out.respawns) findings.push_back(r.finding);
  store.record_findings(findings, store.current_step());
  return out;
}

nlohmann::json kill_document(const KillFlowResult& flow, const KillRequest& request) {
  nlohmann::json doc = {{"command", "kill"}, {"apply", request.apply}, {"undo", nullptr}};
  auto excluded = nlohmann::json::array();
  for (auto& x : flow.plan.excluded) excluded.push_back(x.to_json());
  doc["excluded"] = excluded;
  doc["notes"] = flow.plan.notes;
  if (!request.apply) {
    auto plan = nlohmann::json::array();
    for (auto& m : flow.plan.members) plan.push_back(m.to_json());
    doc["plan"] = plan;
    return doc;
  }
  auto actions = nlohmann::json::array();
  for (auto& a : flow.result.actions) actions.push_back(a.to_json());
  doc["actions"] = actions;
  if (!flow.applied) return doc;
  doc["notes"] = flow.result.notes;
  for (auto& n : flow.plan.notes) doc["notes"].push_back(n);
  if (request.watch_seconds > 0) {
    auto respawns = nlohmann::json::array();
    auto findings = nlohmann::json::array();
    for (auto& r : flow.respawns) respawns.push_back(r.to_json()), findings.push_back(r.finding.to_json());
    doc["respawns"] = respawns;
    doc["findings"] = findings;
    doc["watch_seconds"] = request.watch_seconds;
  }
  return doc;
}

std::string kill_outcome(const KillFlowResult& flow) {
  const auto& result = flow.result;
  size_t done = result.count("done"), failed = result.count("failed"), skipped = result.count("skipped");
  return "killed " + std::to_string(done) + " of " + std::to_string(result.actions.size()) + " process(es)" +
         (failed ? ", " + std::to_string(failed) + " failed" : "") +
         (skipped ? ", " + std::to_string(skipped) + " skipped" : "") +
         (flow.respawns.empty() ? "" : ", " + std::to_string(flow.respawns.size()) + " respawn(s)");
}

}  // namespace unmine
