#pragma once
// `hunt`: after the miner, rule out secondary tooling and find the way in. Attacker tooling and new
// binaries in the compromise window (one pass over the files, YARA through libyara), process memory,
// hidden processes and modules, entry vectors, security-tool tampering and exposed credentials.
// Detection only: never changes the host.
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "case/case_registry.h"
#include "host/host_root.h"
#include "hunt/hunt_context.h"
#include "hunt/window.h"
#include "model/finding.h"
#include "playbook/playbook.h"

namespace unmine {

struct HuntOptions {
  HuntWindow window;
  unsigned threads = 2;
  bool pid_sweep = true;
  bool yara = true;
  bool memory = true;
  uint64_t max_scan_bytes = 64ull << 20;
  std::vector<std::string> skip;         // folders under the root never walked (the case folder)
  CaseRegistry case_registry;            // case folders this machine's unmine created: not entered
  std::vector<int> incident_pids;        // the miners' pids: their memory is scanned
  std::set<std::string> incident_paths;  // the miners' files: marked in evidence
  ToolRunner run;                        // absolute-path read-only tools (journalctl); empty: none run
  std::function<void(std::string_view)> progress;
};

struct HuntResult {
  HuntWindow window;
  std::vector<Finding> findings;
  std::vector<std::string> notes;
  bool complete = true;  // false: a limit stopped a walk (the notes say where)
  nlohmann::json stats = nlohmann::json::object();
  nlohmann::json to_json() const;
};

HuntResult run_hunt(const HostRoot& host, const Playbook& playbook, const HuntOptions& options);

}  // namespace unmine
