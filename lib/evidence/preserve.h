#pragma once
// The preserve command: every miner triage reports (or the --pid processes), the persistence tied to
// them, and any --path, into the case, with one archive for the run.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "case/case_store.h"
#include "evidence/evidence_store.h"
#include "host/host_root.h"
#include "playbook/playbook.h"

namespace unmine {

struct PreserveOptions {
  std::vector<int> pids;
  std::vector<std::string> paths;
};

struct PreserveRun {
  nlohmann::json doc;    // the --json document (schema evidence_schema/json/preserve.schema.json)
  std::string outcome;   // one line for status and the report
  bool complete = true;  // every asked-for process and path was preserved
};

PreserveRun run_preserve(CaseStore& store, const HostRoot& host, const Playbook& playbook,
                         const PreserveOptions& options, PreserveProgress progress = {});

// --path: a file, or a folder recursively. Symlinks are preserved as links, never followed; FIFOs,
// sockets and devices are recorded as skipped, never opened. False when a folder was too deep to enter
// (named in the notes).
bool preserve_tree(EvidenceStore& es, const HostRoot& host, const std::string& path, std::vector<std::string>& notes,
                   int depth = 0);

}  // namespace unmine
