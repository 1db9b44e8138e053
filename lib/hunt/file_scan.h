#pragma once
// The file side of the hunt in one pass over the tree: files created or changed in the compromise
// window and every file in hot folders (tmp folders, web roots, hidden folders) are read once by a
// small thread pool and checked for YARA matches, new binaries outside the package manager, modified
// package files, renamed copies of system tools, known tool hashes and faked timestamps. Scanner
// names are checked on every file the walk sees.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "host/dpkg_db.h"
#include "host/host_root.h"
#include "hunt/system_tools.h"
#include "hunt/tree_walk.h"
#include "hunt/window.h"
#include "hunt/yara_rules.h"
#include "model/finding.h"

namespace unmine {

struct FileScanConfig {
  HuntWindow window;
  std::vector<std::string> starts{"/"};
  WalkOptions walk;
  const DpkgDatabase* dpkg = nullptr;
  std::shared_ptr<YaraRules> rules;  // null: no YARA
  const SystemTools* tools = nullptr;
  std::set<std::string> scanner_names;                  // lower-case file names of scanners ("masscan")
  std::map<std::string, std::string> tool_hashes;       // sha256 -> tool name (playbook list)
  std::set<std::string> always_verify;                  // package files whose MD5 is checked whatever their times
  std::set<std::string> incident_paths;                 // the miners' own files: marked in evidence
  std::set<std::pair<uint64_t, uint64_t>> skip_inodes;  // (dev, ino) never reported: unmine's own binary
  unsigned threads = 2;
  uint64_t max_scan_bytes = 64ull << 20;  // larger files: head only (classified, not YARA-scanned)
  std::function<void(uint64_t walked, uint64_t scanned)> progress;
};

struct FileScanStats {
  WalkStats walk;
  uint64_t files_scanned = 0, bytes_scanned = 0, too_large = 0, unreadable = 0, yara_errors = 0;
  uint64_t findings_left_out = 0;  // beyond the limits on findings kept (a folder's, the pass's)
  double seconds = 0;
  nlohmann::json to_json() const;
};

struct FileScanResult {
  std::vector<Finding> findings;
  FileScanStats stats;
  std::vector<std::string> notes;
};

FileScanResult scan_files(const HostRoot& host, const FileScanConfig& config);

}  // namespace unmine
