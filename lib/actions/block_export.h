#pragma once
// `block --export FORMAT`: the plan written for layers this host does not own (DNS servers, proxies, other
// firewalls, an IDS). Pure: plan in, text out; each format is checked by its real tool in the tests.
#include <string>
#include <string_view>
#include <vector>

#include "actions/block_plan.h"

namespace unmine {

struct ExportMeta {
  std::string case_uuid;
  std::string generated_at;  // ISO 8601, for the header comment
  uint32_t serial = 1;       // RPZ SOA serial (e.g. the Unix time)
};

// hosts, dnsmasq, unbound, rpz, nft, iptables, ip6tables, squid, suricata.
const std::vector<std::string_view>& export_formats();
// Throws UsageError naming the formats for an unknown one.
std::string render_export(std::string_view format, const BlockPlan& plan, const ExportMeta& meta);

}  // namespace unmine
