#pragma once
// /etc/hosts poisoning: pool domains pinned to an address so DNS blocking does not stop the miner. Each such
// line is an artifact unpersist can remove. Pool domains sent to a sinkhole (0.0.0.0, loopback) are blocks,
// not poisoning; lines inside unmine's own sinkhole block are ours and passed over. The file is parsed by
// host/dns's parse_hosts_file, the one hosts parser validate and block use too.
#include "persist/scan_context.h"

namespace unmine {

void scan_hosts_file(ScanContext& ctx);

}  // namespace unmine
