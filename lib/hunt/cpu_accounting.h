#pragma once
// CPU time the kernel counts in /proc/stat that no listed process accounts for. Exited processes whose
// parents never reaped them, and kernel work, leave a gap on every host, so this is reported as
// context (info) unless the gap is both large and most of the busy time.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "hunt/hunt_context.h"
#include "model/finding.h"

namespace unmine {

// user + nice + system ticks of the "cpu" line of /proc/stat.
std::optional<uint64_t> parse_cpu_busy_ticks(std::string_view proc_stat);
// utime + stime + cutime + cstime ticks of one /proc/PID/stat.
std::optional<uint64_t> parse_process_ticks(std::string_view pid_stat);

struct CpuGap {
  uint64_t busy_ticks = 0, accounted_ticks = 0;
  double unaccounted_share() const {
    return busy_ticks && busy_ticks > accounted_ticks ? double(busy_ticks - accounted_ticks) / double(busy_ticks) : 0;
  }
};
// The finding for a measured gap (info unless large); nullopt when there is no gap worth a line.
std::optional<Finding> cpu_gap_finding(const CpuGap& gap, long ticks_per_second, bool in_container);

std::vector<Finding> check_cpu_accounting(HuntContext& ctx);

}  // namespace unmine
