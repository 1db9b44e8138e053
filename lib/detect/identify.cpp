#include "detect/identify.h"

#include <algorithm>

#include "core/error.h"
#include "core/text.h"
#include "detect/triage.h"

namespace unmine {
namespace {

bool shows_mining(const MinerInfo& m) {
  return m.family != "unknown" || !m.pools.empty() ||
         std::any_of(m.wallets.begin(), m.wallets.end(), [](auto& w) { return w.checksum_valid; });
}

}  // namespace

nlohmann::json IdentifyResult::to_json() const {
  nlohmann::json j;
  auto& ms = j["miners"] = nlohmann::json::array();
  for (auto& m : miners) {
    auto o = m.info.to_json();
    o["is_miner"] = m.is_miner;
    ms.push_back(std::move(o));
  }
  auto& fs = j["files"] = nlohmann::json::array();
  for (auto& f : files) fs.push_back(f.to_json());
  j["findings"] = findings_json(findings);
  j["indicators"] = indicators.to_json();
  j["missing_pids"] = missing_pids;
  auto& ns = j["notes"] = nlohmann::json::array();
  for (auto& n : notes) ns.push_back(printable(n));
  auto top = highest(findings);
  j["severity"] = top ? std::string(to_string(*top)) : std::string("none");
  j["complete"] = complete;
  return j;
}

IdentifyResult run_identify(const HostRoot& host, const Playbook& playbook, const IdentifyOptions& options) {
  IdentifyResult r;
  auto indicators = Indicators::of(playbook);
  MinerProfiler profiler(host, *indicators);

  const bool processes = !options.pids.empty() || options.files.empty();
  if (processes) {
    TriageOptions topt;
    topt.pids = options.pids;
    topt.persistence = false;
    auto triage = run_triage(host, playbook, topt);
    r.notes = triage.notes;
    r.findings = triage.findings;
    r.complete = triage.complete;
    // The processes to describe: those asked for, else every miner triage reports.
    std::vector<std::pair<int, const MinerInfo*>> todo;
    if (!options.pids.empty()) {
      for (int pid : options.pids) {
        auto it = std::find_if(triage.miners.begin(), triage.miners.end(), [&](auto& m) { return m.proc.pid == pid; });
        todo.emplace_back(pid, it == triage.miners.end() ? nullptr : &*it);
      }
    } else {
      for (auto& m : triage.miners) todo.emplace_back(m.proc.pid, &m);
    }
    for (auto& [pid, triaged] : todo) {
      std::vector<Finding> own;
      auto info =
          triaged ? std::optional<MinerInfo>(profiler.profile(triaged->proc, &own)) : profiler.profile_pid(pid, &own);
      if (!info) {
        r.missing_pids.push_back(pid);
        r.notes.push_back("process " + std::to_string(pid) + " is gone");
        continue;
      }
      if (triaged && info->connections.empty()) info->connections = triaged->connections;
      bool flagged =
          triaged || std::any_of(r.findings.begin(), r.findings.end(), [pid = pid](auto& f) { return f.pid == pid; });
      IdentifiedMiner im{std::move(*info), false};
      im.is_miner = flagged || shows_mining(im.info);
      // A process that shows no mining keeps its description but adds no finding and no indicator.
      if (im.is_miner) {
        r.findings.insert(r.findings.end(), own.begin(), own.end());
        r.indicators.merge(im.info.indicators());
      }
      r.miners.push_back(std::move(im));
    }
    if (!options.pids.empty() && r.missing_pids.size() == options.pids.size() && options.files.empty())
      throw RuntimeError("no such process: " + std::to_string(options.pids.front()) +
                             (options.pids.size() > 1 ? " (none of the pids given exists)" : ""),
                         "not_found");
  }

  for (auto& path : options.files) {
    std::vector<Finding> own;
    auto fp = profiler.profile_file(path, &own);
    if (!own.empty()) {
      auto ind = fp.info.indicators();
      ind.paths.insert(path);
      r.indicators.merge(ind);
      r.findings.insert(r.findings.end(), own.begin(), own.end());
    }
    r.files.push_back(std::move(fp));
  }
  for (auto& n : profiler.notes()) r.notes.push_back(n);
  if (!profiler.complete()) r.complete = false;
  r.findings = dedupe(std::move(r.findings));
  return r;
}

}  // namespace unmine
