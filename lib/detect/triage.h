#pragma once
// validate's detection: every group of the attack-chain rule over processes, sockets, DNS/hosts,
// persistence and system tuning. Reads the host, never changes it.
#include <vector>

#include "model/finding.h"
#include "detect/miner.h"
#include "detect/verdict.h"
#include "host/host_root.h"
#include "playbook/playbook.h"

namespace unmine {

struct TriageOptions {
  std::vector<int> pids;  // only these processes (identify --pid); empty: all
  bool persistence = true;  // also scan persistence tied to the miners (validate); identify skips it
  // Another case's indicators (validate --iocs): persistence naming them is tied too. Only those that
  // match join the result's indicators.
  IncidentIndicators sweep = {};
};

struct TriageResult {
  std::vector<Finding> findings;
  std::vector<MinerInfo> miners;
  IncidentIndicators indicators;  // of every miner found, for the case
  Verdict verdict;
  std::vector<std::string> notes;  // what could not be read (no procfs, unreadable sockets, ...)
};

TriageResult run_triage(const HostRoot& host, const Playbook& playbook, const TriageOptions& options);

}  // namespace unmine
