#pragma once
// YARA over the memory of suspicious processes (the incident's miners, deleted or memfd executables,
// executables in tmp or hidden folders, busy processes the package manager did not install): a packed
// or deleted miner shows its strings once running. Reads /proc/PID/mem over the readable maps, only on
// a live procfs, bounded per process and in total.
#include <memory>
#include <string>
#include <vector>

#include "host/dpkg_db.h"
#include "host/host_root.h"
#include "host/process_memory.h"
#include "hunt/yara_rules.h"
#include "model/finding.h"

namespace unmine {

struct MemoryTarget {
  int pid = 0;
  std::string exe;  // printable
  std::string why;
};

std::vector<MemoryTarget> suspicious_processes(const HostRoot& host, const DpkgDatabase& dpkg,
                                               const std::vector<int>& incident_pids, size_t max_targets = 32);

struct MemoryScanLimits {
  uint64_t per_process = 256ull << 20;
  uint64_t total = 1ull << 30;
};

std::vector<Finding> scan_process_memory(const HostRoot& host, const DpkgDatabase& dpkg,
                                         const std::shared_ptr<YaraRules>& rules,
                                         const std::vector<MemoryTarget>& targets, const MemoryScanLimits& limits,
                                         std::vector<std::string>& notes);

}  // namespace unmine
