#pragma once
// `identify`: a profile of every miner triage reports (or of the processes and files asked for): family,
// version, wallets, pools, config, ancestry, container. Reads the host, records into the case.
#include <string>
#include <vector>

#include "detect/miner.h"
#include "detect/miner_profile.h"
#include "host/host_root.h"
#include "model/finding.h"
#include "model/incident.h"
#include "playbook/playbook.h"

namespace unmine {

struct IdentifyOptions {
  std::vector<int> pids;           // profile these even when triage would not flag them
  std::vector<std::string> files;  // paths inside the root
};

struct IdentifiedMiner {
  MinerInfo info;
  // Something ties it to mining (a family, a pool, a valid wallet, a triage finding). A process asked for
  // with --pid that shows none is still described, but nothing of it goes into the incident's indicators.
  bool is_miner = false;
};

struct IdentifyResult {
  std::vector<IdentifiedMiner> miners;
  std::vector<FileProfile> files;
  std::vector<Finding> findings;  // triage's for these processes, plus the profiles' own
  IncidentIndicators indicators;  // of the miners and the files that showed mining
  std::vector<int> missing_pids;  // asked for but gone
  std::vector<std::string> notes;
  bool complete = true;  // false: a limit cut a read short (the notes name it)

  nlohmann::json to_json() const;
};

IdentifyResult run_identify(const HostRoot& host, const Playbook& playbook, const IdentifyOptions& options);

}  // namespace unmine
