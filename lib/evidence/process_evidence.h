#pragma once
// Everything a running miner would take with it when killed: the executable as the kernel maps it
// (/proc/PID/exe, so deleted and memfd images are read too), its config, cmdline, environ, maps, status,
// open files, a listing of its working folder, the scripts dropped beside it and, in a container, the
// container's metadata and writable layer.
#include <optional>
#include <string>
#include <vector>

#include "detect/miner.h"
#include "evidence/evidence_store.h"
#include "host/host_root.h"

namespace unmine {

struct ProcessEvidence {
  int pid = 0;
  bool found = false;  // the process existed when preserve started
  std::optional<Process> process;
  std::optional<EvidenceItem> exe;  // the running image
  std::vector<EvidenceItem> items;  // every item of this process, the exe included
  nlohmann::json container;         // runtime, id, image, image_id, image_digest, upperdir (null when none)
  std::vector<std::string> notes;   // what could not be read, printable
};

// Config paths named on a command line (-c X, --config X, --config=X), as XMRig-style miners take them.
std::vector<std::string> config_paths_in_cmdline(const std::vector<std::string>& cmdline);

// Up to this many files of the miner's own folder are preserved as dropped scripts and payloads.
inline constexpr size_t kMaxFolderFiles = 64;
// Entries of a folder looked at (the working folder's listing, the miner's own folder) at most.
inline constexpr size_t kMaxListed = 10000;

ProcessEvidence preserve_process(EvidenceStore& es, const HostRoot& host, int pid, const MinerInfo* miner = nullptr);

}  // namespace unmine
