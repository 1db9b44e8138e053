#include "evidence/preserve.h"

#include <sys/stat.h>

#include <map>
#include <set>

#include "case/indicators_store.h"
#include "case/step_records.h"
#include "core/error.h"
#include "core/text.h"
#include "detect/triage.h"
#include "evidence/process_evidence.h"
#include "persist/persistence.h"

namespace unmine {
namespace {

constexpr int kMaxDepth = 64;

std::string human_bytes(uint64_t n) {
  char buf[32];
  if (n >= (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.1f GiB", static_cast<double>(n) / (1ull << 30));
  else if (n >= (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(n) / (1ull << 20));
  else if (n >= 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024);
  else
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  return buf;
}

}  // namespace

bool preserve_tree(EvidenceStore& es, const HostRoot& host, const std::string& path, std::vector<std::string>& notes,
                   size_t& budget, int depth) {
  auto st = host.lstat(path);
  if (!st || !S_ISDIR(st->st_mode)) {
    if (budget == 0) return false;
    --budget;
    es.preserve_file(host, path, "file");
    return true;
  }
  if (depth >= kMaxDepth) {
    notes.push_back(printable(path) + ": deeper than " + std::to_string(kMaxDepth) + " folders, not descended");
    return false;
  }
  bool whole = true;
  // Listed no further than the files still allowed: a folder of a million entries is not held whole.
  bool more = false;
  for (auto& e : host.list(path, budget, &more)) {
    if (budget == 0) {
      more = true;
      break;
    }
    whole &= preserve_tree(es, host, path == "/" ? "/" + e.name : path + "/" + e.name, notes, budget, depth + 1);
  }
  if (more) {
    notes.push_back("limit reached: " + printable(path) + " was not preserved whole: the files a --path preserves " +
                    "(--max-files) ran out; the rest of its entries were left");
    whole = false;
  }
  return whole;
}

PreserveRun run_preserve(CaseStore& store, const HostRoot& host, const Playbook& playbook,
                         const PreserveOptions& options, PreserveProgress progress) {
  for (auto& p : options.paths)
    if (!p.starts_with('/'))
      throw UsageError("--path " + printable(p) + ": give the path as seen on the host (absolute)");

  PreserveRun run;
  std::vector<std::string> notes;
  EvidenceStore es(store, "preserve", std::move(progress));

  // Which processes: the ones asked for, else every miner triage reports.
  TriageResult triage;
  bool want_processes = !options.pids.empty() || options.paths.empty();
  if (want_processes) {
    TriageOptions to;
    to.pids = options.pids;
    to.persistence = true;
    triage = run_triage(host, playbook, to);
    for (auto& n : triage.notes) notes.push_back(n);
  }
  std::map<int, const MinerInfo*> by_pid;
  for (auto& m : triage.miners) by_pid[m.proc.pid] = &m;
  std::vector<int> pids = options.pids;
  if (pids.empty())
    for (auto& m : triage.miners) pids.push_back(m.proc.pid);

  nlohmann::json miners = nlohmann::json::array();
  IncidentIndicators indicators = triage.indicators;
  std::vector<std::pair<MinerInfo, std::string>> miner_rows;  // (miner, exe sha256) for the miners table
  for (int pid : pids) {
    auto it = by_pid.find(pid);
    const MinerInfo* mi = it == by_pid.end() ? nullptr : it->second;
    auto pe = preserve_process(es, host, pid, mi);
    for (auto& n : pe.notes) notes.push_back(n);
    nlohmann::json ids = nlohmann::json::array();
    for (auto& i : pe.items) ids.push_back(i.id);
    nlohmann::json m = {{"pid", pid}, {"found", pe.found}, {"items", ids}, {"container", pe.container}};
    if (pe.process) {
      m["exe"] = printable(pe.process->exe);
      m["exe_deleted"] = pe.process->exe_deleted;
      m["exe_memfd"] = pe.process->exe_memfd;
    }
    if (pe.exe && pe.exe->stored()) m["exe_sha256"] = pe.exe->digests.sha256;
    miners.push_back(m);
    if (!pe.found || !pe.exe || !pe.exe->stored()) run.complete = false;
    if (!pe.process) continue;
    MinerInfo info = mi ? *mi : MinerInfo{};
    if (!mi) info.proc = *pe.process;
    if (pe.exe && pe.exe->stored()) info.exe_sha256 = pe.exe->digests.sha256;
    indicators.merge(info.indicators());
    for (auto& i : pe.items)
      if (i.stored() && (i.kind == "exe" || i.kind == "config" || i.kind == "script"))
        indicators.sha256s.insert(i.digests.sha256);
    miner_rows.emplace_back(info, info.exe_sha256);
  }

  // Persistence tied to the miners: what triage reported, and what the persistence scan ties to them.
  std::set<std::string> persistence;
  for (auto& f : triage.findings)
    if (f.group == Group::persistence && f.path) persistence.insert(*f.path);
  if (want_processes && !indicators.empty()) {
    for (auto& a : scan_persistence(host, playbook, indicators).artifacts)
      if (a.tied && !a.path.empty()) persistence.insert(a.path);
  }
  for (auto& p : persistence) es.preserve_file(host, p, "persistence");

  for (auto& p : options.paths) {
    size_t before = es.items().size();
    if (!host.lstat(p)) {
      notes.push_back("--path " + printable(p) + ": not found under the root");
      run.complete = false;
    }
    size_t budget = options.max_tree_files;
    if (!preserve_tree(es, host, p, notes, budget)) run.complete = false;
    for (size_t i = before; i < es.items().size(); ++i)
      if (es.items()[i].status == "failed") run.complete = false;
  }

  // The case learns the miners' hashes and paths (kill checks the exe is preserved; verify and block use
  // the indicators).
  if (!miner_rows.empty() || !indicators.empty()) {
    CaseStore::Transaction tx(store);
    auto now = now_iso8601();
    for (auto& [info, sha] : miner_rows) {
      auto data = info.to_json();
      if (!sha.empty()) data["exe_sha256"] = sha;
      record_miner(store, store.current_step(), {info.proc.pid, printable(info.proc.exe), sha, info.family, data, now});
    }
    record_indicators(store, indicators, "preserve");
    tx.commit();
  }

  auto archive = es.finish();
  uint64_t stored = 0, failed = 0, skipped = 0;
  nlohmann::json items = nlohmann::json::array();
  for (auto& i : es.items()) {
    items.push_back(i.to_json());
    if (i.stored())
      ++stored;
    else if (i.status == "failed")
      ++failed;
    else
      ++skipped;
  }
  run.doc = {{"case", store.dir().string()},
             {"miners", miners},
             {"items", items},
             {"archive", archive ? archive->to_json() : nlohmann::json(nullptr)},
             {"summary", {{"stored", stored}, {"failed", failed}, {"skipped", skipped}, {"bytes", es.bytes()}}},
             {"complete", run.complete},
             {"notes", notes}};
  if (es.items().empty()) {
    run.outcome = "nothing to preserve: no miner found";
  } else {
    run.outcome = std::to_string(stored) + " items stored (" + human_bytes(es.bytes()) + ")";
    if (failed) run.outcome += ", " + std::to_string(failed) + " failed";
    if (skipped) run.outcome += ", " + std::to_string(skipped) + " skipped";
    if (archive) run.outcome += "; archive " + archive->stored_path;
  }
  return run;
}

}  // namespace unmine
