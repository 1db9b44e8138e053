#pragma once
// validate's detection: every group of the attack-chain rule over processes, sockets, DNS/hosts,
// persistence and system tuning. Reads the host, never changes it.
#include <cstdint>
#include <optional>
#include <vector>

#include "detect/miner.h"
#include "detect/verdict.h"
#include "host/host_root.h"
#include "model/finding.h"
#include "persist/persistence.h"
#include "playbook/playbook.h"

namespace unmine {

struct TriageOptions {
  std::vector<int> pids;         // only these processes (identify --pid); empty: all
  bool persistence = true;       // also scan persistence tied to the miners (validate); identify skips it
  std::optional<int64_t> since;  // start of the compromise window (--since); else the miners' first start
  std::optional<std::pair<int64_t, std::string>> first_sign;  // the case's earliest sign, when it has one
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
  PersistenceWindow window;        // the window persistence entries were judged new in
  PersistenceInventory inventory;  // every persistence entry, by class
  bool complete = true;            // false: a limit cut a read short (the notes name it)
};

TriageResult run_triage(const HostRoot& host, const Playbook& playbook, const TriageOptions& options);

}  // namespace unmine
