#pragma once
// Are the blocks still in force? The nftables table block created (read-only `nft -j list table`), and
// the marked sinkhole block it added to /etc/hosts.
#include <string>
#include <vector>

#include "host/host_root.h"
#include "host/system_tool.h"
#include "model/finding.h"
#include "verify/baseline.h"

namespace unmine {

struct BlockCheck {
  std::vector<Finding> findings;
  int blocks = 0;
  std::vector<std::string> notes;  // what could not be checked (no nft, no permission)
};

BlockCheck check_blocks(const HostRoot& host, const ToolRunner& tools, const CaseBaseline& baseline);

// Whether a hosts file still holds the sinkhole block an action recorded: its lines when it recorded them,
// else each host it sinkholed. Empty: intact; else what is missing.
std::vector<std::string> missing_hosts_entries(std::string_view hosts_file, const RecordedAction& action);

}  // namespace unmine
