#pragma once
// Is any process running the incident's miner again? Matches each process against the preserved
// executables (by sha256 and by inode), the miners' paths and names, cmdline patterns, wallets and pools.
#include <vector>

#include "host/host_root.h"
#include "model/finding.h"
#include "verify/baseline.h"

namespace unmine {

struct ProcessCheck {
  std::vector<Finding> findings;
  int processes = 0;  // processes looked at
  int hashed = 0;     // executables hashed (distinct inodes)
};

ProcessCheck check_processes(const HostRoot& host, const CaseBaseline& baseline);

}  // namespace unmine
