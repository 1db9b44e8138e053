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

// Files one --path folder preserves at most unless told otherwise: a folder an attacker filled with a
// million files would otherwise fill the case and never end.
inline constexpr size_t kDefaultMaxTreeFiles = 10000;

struct PreserveOptions {
  std::vector<int> pids;
  std::vector<std::string> paths;
  size_t max_tree_files = kDefaultMaxTreeFiles;  // for each --path
};

struct PreserveRun {
  nlohmann::json doc;    // the --json document (schema evidence_schema/json/preserve.schema.json)
  std::string outcome;   // one line for status and the report
  bool complete = true;  // every asked-for process and path was preserved
};

PreserveRun run_preserve(CaseStore& store, const HostRoot& host, const Playbook& playbook,
                         const PreserveOptions& options, PreserveProgress progress = {});

// --path: a file, or a folder recursively. Symlinks are preserved as links, never followed; FIFOs,
// sockets and devices are recorded as skipped, never opened. At most `budget` files (counted down). False
// when a folder was too deep to enter or the budget ran out (named in the notes).
bool preserve_tree(EvidenceStore& es, const HostRoot& host, const std::string& path, std::vector<std::string>& notes,
                   size_t& budget, int depth = 0);

}  // namespace unmine
