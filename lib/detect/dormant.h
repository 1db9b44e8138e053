#pragma once
// Dormant miners on disk: every executable, script and config a persistence entry runs or reads, and
// every miner config beside one, identified as `identify --file` does (file.miner_binary,
// file.miner_config with family, wallets, pools), so a miner that is not running is still named.
#include <string>
#include <vector>

#include "detect/miner_profile.h"
#include "model/finding.h"
#include "model/incident.h"

namespace unmine {

struct DormantScan {
  std::vector<Finding> findings;
  // What the files found tie to: their paths, hashes, wallets and pools (never their folders or names:
  // a dormant file's folder may be /usr/share).
  IncidentIndicators indicators;
  std::vector<std::string> notes;
};

DormantScan identify_referenced_files(const HostRoot& host, MinerProfiler& profiler,
                                      const std::vector<std::string>& paths);

}  // namespace unmine
