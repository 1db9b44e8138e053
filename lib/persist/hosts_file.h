#pragma once
// /etc/hosts poisoning: pool domains pinned to an address so DNS blocking does not stop the miner.
// Pool domains sent to a sinkhole (0.0.0.0, loopback) are blocks, not poisoning.
#include "persist/scan_context.h"

namespace unmine {

struct HostsEntry {
  int line = 0;
  std::string address;
  std::vector<std::string> names;
  std::string_view text;
};

struct HostsParse {
  std::vector<HostsEntry> entries;
  std::vector<LineAnomaly> anomalies;
};

HostsParse parse_hosts(std::string_view text);
bool is_sinkhole_address(std::string_view address);

void scan_hosts_file(ScanContext& ctx);

}  // namespace unmine
