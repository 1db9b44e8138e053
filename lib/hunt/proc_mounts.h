#pragma once
// Mounts as /proc/PID/mountinfo lists them: a bind mount over /proc/PID hides that process from every
// tool that reads /proc, and a mount's options say whether access times can be trusted.
#include <string>
#include <string_view>
#include <vector>

#include "hunt/hunt_context.h"
#include "model/finding.h"

namespace unmine {

struct MountRow {
  std::string mount_point;  // unescaped (\040 -> space)
  std::string options;      // per-mount options ("rw,relatime")
  std::string fs_type;
  std::string source;
};

std::vector<MountRow> parse_mountinfo(std::string_view text, std::vector<std::string>* anomalies);

// The mount holding a path (longest mount point prefix).
const MountRow* mount_of(const std::vector<MountRow>& mounts, std::string_view path);

// Bind mounts over /proc/PID (kind process.hidden).
std::vector<Finding> check_proc_bind_mounts(HuntContext& ctx);

}  // namespace unmine
