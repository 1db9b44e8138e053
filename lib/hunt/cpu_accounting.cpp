#include "hunt/cpu_accounting.h"

#include <unistd.h>

#include <charconv>

#include "core/text.h"

namespace unmine {
namespace {

std::vector<uint64_t> numbers(std::string_view s) {
  std::vector<uint64_t> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    uint64_t v = 0;
    if (j > i && std::from_chars(s.data() + i, s.data() + j, v).ec == std::errc{})
      out.push_back(v);
    else if (j > i)
      out.push_back(0);
    i = j;
  }
  return out;
}

}  // namespace

std::optional<uint64_t> parse_cpu_busy_ticks(std::string_view proc_stat) {
  for (auto line : lines(proc_stat)) {
    if (!line.starts_with("cpu ")) continue;
    auto v = numbers(line.substr(4));
    if (v.size() < 3) return std::nullopt;
    return v[0] + v[1] + v[2];
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_process_ticks(std::string_view pid_stat) {
  auto close = pid_stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  // After "pid (comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
  // cstime
  auto v = numbers(pid_stat.substr(close + 1));
  if (v.size() < 15) return std::nullopt;
  return v[11] + v[12] + v[13] + v[14];
}

std::optional<Finding> cpu_gap_finding(const CpuGap& gap, long hz, bool in_container) {
  if (gap.busy_ticks == 0 || gap.accounted_ticks >= gap.busy_ticks) return std::nullopt;
  double seconds = double(gap.busy_ticks - gap.accounted_ticks) / double(hz);
  double share = gap.unaccounted_share();
  bool large = !in_container && share > 0.5 && seconds > 2 * 3600;
  auto f = make_finding(Group::hiding, "process.cpu_unaccounted", large ? Severity::medium : Severity::info,
                        std::to_string(static_cast<long>(share * 100)) + "% of the CPU time since boot (" +
                            std::to_string(static_cast<long>(seconds)) + " s) is not accounted for by listed processes",
                        "cpu-accounting");
  f.evidence = {{"busy_seconds", double(gap.busy_ticks) / double(hz)},
                {"accounted_seconds", double(gap.accounted_ticks) / double(hz)},
                {"unaccounted_seconds", seconds},
                {"unaccounted_share", share},
                {"in_container", in_container},
                {"caveat", "processes that exited unreaped and kernel work also leave a gap: a hint, not proof"}};
  return f;
}

std::vector<Finding> check_cpu_accounting(HuntContext& ctx) {
  std::vector<Finding> out;
  if (!ctx.host.has_proc()) return out;
  auto stat = ctx.host.read_proc("stat", 1 << 20);
  if (!stat) return out;
  auto busy = parse_cpu_busy_ticks(stat->data);
  if (!busy) return out;
  CpuGap gap;
  gap.busy_ticks = *busy;
  for (int pid : ctx.listed_pids)
    if (auto s = ctx.host.read_proc(std::to_string(pid) + "/stat", 4096))
      if (auto t = parse_process_ticks(s->data)) gap.accounted_ticks += *t;
  // /proc/stat counts the whole machine; a container's procfs lists only its own processes.
  bool in_container = false;
  if (auto cg = ctx.host.read_proc("1/cgroup", 65536)) {
    auto text = cg->data;
    in_container = text.find("docker") != std::string::npos || text.find("kubepods") != std::string::npos ||
                   text.find("lxc") != std::string::npos;
  }
  long hz = ::sysconf(_SC_CLK_TCK);
  if (auto f = cpu_gap_finding(gap, hz > 0 ? hz : 100, in_container)) out.push_back(std::move(*f));
  return out;
}

}  // namespace unmine
