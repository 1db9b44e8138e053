#include "hunt/hunt.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>

#include "core/text.h"
#include "host/dpkg_db.h"
#include "host/process.h"
#include "host/sockets.h"
#include "hunt/checks.h"
#include "hunt/file_scan.h"
#include "hunt/memory_scan.h"
#include "hunt/pid_sweep.h"
#include "hunt/system_tools.h"
#include "hunt/web_roots.h"
#include "hunt/yara_rules.h"

namespace unmine {
namespace {

void append(std::vector<Finding>& to, std::vector<Finding> from) {
  for (auto& f : from) to.push_back(std::move(f));
}

std::vector<Finding> hidden_pid_findings(const std::vector<HiddenPid>& hidden) {
  std::vector<Finding> out;
  for (auto& h : hidden) {
    std::string what =
        h.comm.empty() ? "pid " + std::to_string(h.pid) : h.comm + " (pid " + std::to_string(h.pid) + ")";
    auto f = make_finding(Group::hiding, "process.hidden", Severity::critical,
                          "process hidden from the /proc listing answers the kernel: " + what,
                          "hidden:" + (h.exe.empty() ? h.comm : h.exe));
    f.pid = h.pid;
    f.evidence = {{"answered", h.answered}, {"proc_entry_readable", h.proc_readable}, {"comm", h.comm}, {"exe", h.exe}};
    if (h.tgid) f.evidence["tgid"] = h.tgid;
    out.push_back(std::move(f));
  }
  return out;
}

std::map<std::string, std::string> tool_hashes(const Playbook& playbook) {
  std::map<std::string, std::string> out;
  for (auto& line : playbook.list("hunt/tool_sha256.txt")) {
    auto sp = line.find_first_of(" \t");
    if (sp != 64) continue;
    out[to_lower(line.substr(0, 64))] = std::string(trim(line.substr(sp)));
  }
  return out;
}

}  // namespace

HuntResult run_hunt(const HostRoot& host, const Playbook& playbook, const HuntOptions& o) {
  HuntResult r;
  r.window = o.window;
  auto say = [&](std::string_view s) {
    if (o.progress) o.progress(s);
  };
  auto t0 = std::chrono::steady_clock::now();
  auto dpkg = DpkgDatabase::load(host);
  if (!dpkg.present())
    r.notes.emplace_back("no dpkg database under the root: every executable in the window counts as new");
  HuntContext ctx{host, playbook, o.window, dpkg, o.run, {}, {}, {}};

  // Files: tooling, new binaries, YARA.
  say("compiling YARA rules");
  std::shared_ptr<YaraRules> rules;
  if (o.yara) rules = YaraRules::compile(playbook);
  auto tools = SystemTools::load(host, playbook.list("hunt/renamed_tools.txt"));
  FileScanConfig fc;
  fc.window = o.window;
  fc.dpkg = &dpkg;
  fc.rules = rules;
  fc.tools = &tools;
  for (auto& n : playbook.list("hunt/scanner_names.txt")) fc.scanner_names.insert(to_lower(n));
  fc.tool_hashes = tool_hashes(playbook);
  for (auto& p : playbook.list("hunt/always_verify.txt")) fc.always_verify.insert(p);
  fc.incident_paths = o.incident_paths;
  // unmine carries the rules it matches: its own binary (when it sits under the root) is not a finding.
  struct stat self {};
  if (::stat("/proc/self/exe", &self) == 0) fc.skip_inodes.insert({self.st_dev, self.st_ino});
  fc.threads = o.threads;
  fc.max_scan_bytes = o.max_scan_bytes;
  fc.walk.skip = {"/proc", "/sys", "/dev"};
  for (auto& s : o.skip) fc.walk.skip.push_back(s);
  fc.walk.hot_prefixes = {"/tmp", "/var/tmp", "/dev/shm", "/run/shm"};
  auto web_roots = find_web_roots(host);
  fc.walk.hot_prefixes.insert(fc.walk.hot_prefixes.end(), web_roots.begin(), web_roots.end());
  fc.walk.benign_dot_dirs = playbook.list("hunt/benign_dot_dirs.txt");
  fc.walk.case_registry = &o.case_registry;
  fc.starts = {"/", "/dev/shm"};
  fc.progress = [&](uint64_t walked, uint64_t scanned) {
    say("files: " + std::to_string(walked) + " walked, " + std::to_string(scanned) + " queued for scanning");
  };
  say("walking files");
  auto files = scan_files(host, fc);
  append(r.findings, std::move(files.findings));
  for (auto& n : files.notes) r.notes.push_back(n);
  r.complete = files.stats.walk.too_deep == 0 && files.stats.findings_left_out == 0;
  r.stats["files"] = files.stats.to_json();
  r.stats["yara"] = {{"rules", rules ? rules->rule_count() : 0},
                     {"files", rules ? rules->files() : std::vector<std::string>{}}};
  r.stats["web_roots"] = web_roots;

  if (rules && o.memory && host.proc_is_live()) {
    say("scanning the memory of suspicious processes");
    auto targets = suspicious_processes(host, dpkg, o.incident_pids);
    append(r.findings, scan_process_memory(host, dpkg, rules, targets, MemoryScanLimits{}, r.notes));
    r.stats["memory"] = {{"processes", targets.size()}};
  }

  // Hiding.
  say("checking for hidden processes, preloads and modules");
  if (host.has_proc()) ctx.listed_pids = ProcReader(host).pids();
  append(r.findings, run_hunt_stage(ctx, HuntStage::hiding));
  if (o.pid_sweep && host.proc_is_live()) {
    say("sweeping PIDs 1.." + std::to_string(kPidMaxLimit));
    PidSweepOptions so;
    so.threads = o.threads;
    so.proc = host.proc_path();
    auto sweep = find_hidden_pids([&] { return list_proc_tasks(host.proc_path()); }, so);
    append(r.findings, hidden_pid_findings(sweep.hidden));
    r.stats["pid_sweep"] = {{"last_pid", sweep.last_pid},
                            {"alive", sweep.alive},
                            {"listed", sweep.listed},
                            {"seconds", sweep.sweep_seconds},
                            {"hidden", sweep.hidden.size()}};
  } else if (o.pid_sweep) {
    r.notes.emplace_back("hidden-PID sweep skipped: the procfs is not the live kernel's");
  }

  // Entry vectors.
  say("checking entry vectors");
  SocketQuery listeners;
  listeners.only_listening = true;  // TCP LISTEN alone: a busy host's connections are never held
  auto listening = SocketReader(host).scan(listeners);
  ctx.listening = std::move(listening.sockets);
  if (host.has_proc())  // without one, the notes already say so
    for (auto& a : listening.anomalies) r.notes.push_back("sockets: " + a);
  if (!listening.complete()) r.complete = false;
  append(r.findings, run_hunt_stage(ctx, HuntStage::entry_vectors));

  // Security tools switched off, credentials for the IAM review.
  say("checking security tooling and credentials");
  append(r.findings, run_hunt_stage(ctx, HuntStage::tampering));

  for (auto& n : ctx.notes) r.notes.push_back(n);
  r.findings = dedupe(std::move(r.findings));
  std::stable_sort(r.findings.begin(), r.findings.end(), [](auto& a, auto& b) { return a.severity > b.severity; });
  r.stats["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

nlohmann::json HuntResult::to_json() const {
  nlohmann::json findings_json = nlohmann::json::array();
  std::map<std::string, int> by_group;
  for (auto& f : findings) {
    findings_json.push_back(f.to_json());
    if (f.severity > Severity::info) ++by_group[std::string(to_string(f.group))];
  }
  auto h = highest(findings);
  return {{"command", "hunt"},
          {"window", window.to_json()},
          {"findings", findings_json},
          {"summary",
           {{"findings", findings.size()}, {"highest", h ? std::string(to_string(*h)) : "none"}, {"groups", by_group}}},
          {"complete", complete},
          {"notes", notes},
          {"stats", stats}};
}

}  // namespace unmine
