#include "hunt/memory_scan.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "core/text.h"
#include "host/process.h"

namespace unmine {

std::vector<MemoryTarget> suspicious_processes(const HostRoot& host, const DpkgDatabase& dpkg,
                                               const std::vector<int>& incident_pids, size_t max_targets) {
  std::vector<MemoryTarget> out;
  if (!host.proc_is_live()) return out;
  std::set<int> incident(incident_pids.begin(), incident_pids.end());
  int self = static_cast<int>(::getpid());
  for (auto& p : ProcReader(host).all()) {
    if (p.kernel_thread || p.pid == self || out.size() >= max_targets) continue;
    std::string why;
    if (incident.count(p.pid))
      why = "miner of this incident";
    else if (p.exe_memfd)
      why = "runs from a memfd";
    else if (p.exe_deleted)
      why = "executable deleted";
    else if (p.exe.starts_with("/tmp/") || p.exe.starts_with("/var/tmp/") || p.exe.starts_with("/dev/shm/"))
      why = "runs from a tmp folder";
    else if (p.exe.find("/.") != std::string::npos)
      why = "runs from a hidden folder";
    else if (!p.exe.empty() && dpkg.present() && !dpkg.owns(p.exe) && p.cpu_share > 0.3)
      why = "busy and not from a package";
    if (why.empty()) continue;
    out.push_back({p.pid, printable(p.exe), why});
  }
  return out;
}

std::vector<Finding> scan_process_memory(const HostRoot& host, const DpkgDatabase& dpkg,
                                         const std::shared_ptr<YaraRules>& rules,
                                         const std::vector<MemoryTarget>& targets, const MemoryScanLimits& limits,
                                         std::vector<std::string>& notes) {
  std::vector<Finding> out;
  if (!rules || targets.empty() || !host.proc_is_live()) return out;
  YaraScanner scanner(rules);
  uint64_t total = 0;
  std::vector<char> buf(4 << 20);
  for (auto& t : targets) {
    auto maps = host.read_proc(std::to_string(t.pid) + "/maps", 8 << 20);
    auto mem = host.open_proc(std::to_string(t.pid) + "/mem", O_RDONLY);
    if (!maps || !mem) {
      notes.push_back("memory of pid " + std::to_string(t.pid) + " not readable");
      continue;
    }
    std::set<std::string> seen_rules;
    uint64_t done = 0;
    for (auto& r : parse_maps(maps->data)) {
      if (!r.readable || r.path == "[vvar]" || r.path == "[vsyscall]" || r.path == "[vvar_vclock]") continue;
      // Shared libraries the package manager installed hold nothing of the attacker's.
      if (!r.path.empty() && r.path.front() == '/' && dpkg.owns(r.path)) continue;
      for (uint64_t at = r.start; at < r.end && done < limits.per_process && total < limits.total;) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), r.end - at));
        auto n = ::pread(mem.get(), buf.data(), want, static_cast<off_t>(at));
        if (n <= 0) break;
        done += static_cast<uint64_t>(n);
        total += static_cast<uint64_t>(n);
        for (auto& m : scanner.scan(buf.data(), static_cast<size_t>(n))) {
          if (!seen_rules.insert(m.rule).second) continue;
          auto group = parse_group(m.meta.count("group") ? m.meta.at("group") : "tooling").value_or(Group::tooling);
          auto sev =
              parse_severity(m.meta.count("severity") ? m.meta.at("severity") : "medium").value_or(Severity::medium);
          std::string what = m.meta.count("description") ? m.meta.at("description") : m.rule;
          auto f = make_finding(group, "process.memory_match", sev,
                                what + " in the memory of pid " + std::to_string(t.pid) + " (" + t.exe + ")",
                                t.exe + '\0' + m.rule);
          f.pid = t.pid;
          nlohmann::json strings = nlohmann::json::array();
          for (auto& h : m.hits) strings.push_back({{"id", h.id}, {"address", at + h.offset}, {"data", h.data}});
          f.evidence = {{"rule", m.rule},       {"rules_file", m.ns},
                        {"strings", strings},   {"exe", t.exe},
                        {"why_scanned", t.why}, {"region", r.path.empty() ? "[anon]" : printable(r.path)}};
          out.push_back(std::move(f));
        }
        at += static_cast<uint64_t>(n);
      }
    }
    if (done >= limits.per_process)
      notes.push_back("memory of pid " + std::to_string(t.pid) + " scanned up to the per-process limit");
  }
  if (total >= limits.total) notes.emplace_back("process memory scanning stopped at the total limit");
  return out;
}

}  // namespace unmine
