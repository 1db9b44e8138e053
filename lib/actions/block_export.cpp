#include "actions/block_export.h"

#include <algorithm>

#include "core/error.h"

namespace unmine {
namespace {

std::string header(const ExportMeta& meta, std::string_view comment, std::string_view what) {
  std::string out;
  out += std::string(comment) + " unmine block: " + std::string(what) + "\n";
  out += std::string(comment) + " case " + meta.case_uuid + ", generated " + meta.generated_at + "\n";
  return out;
}

std::vector<std::string> v4(const BlockPlan& p) {
  std::vector<std::string> out;
  for (auto& [ip, why] : p.ipv4) out.push_back(ip);
  return out;
}
std::vector<std::string> v6(const BlockPlan& p) {
  std::vector<std::string> out;
  for (auto& [ip, why] : p.ipv6) out.push_back(ip);
  return out;
}

template <class Range>
std::string join(const Range& items, std::string_view sep) {
  std::string out;
  for (auto& i : items) {
    if (!out.empty()) out += sep;
    if constexpr (std::is_same_v<std::decay_t<decltype(i)>, uint16_t>)
      out += std::to_string(i);
    else
      out += i;
  }
  return out;
}

// Names whose parent is in the list as well are redundant for formats that match subdomains.
std::vector<std::string> outermost_domains(const BlockPlan& p) {
  std::vector<std::string> out;
  for (auto& [d, why] : p.domains) {
    bool covered = false;
    for (auto dot = d.find('.'); dot != std::string::npos && !covered; dot = d.find('.', dot + 1))
      covered = p.domains.contains(d.substr(dot + 1));
    if (!covered) out.push_back(d);
  }
  return out;
}

std::string hosts(const BlockPlan& p, const ExportMeta& m) {
  auto out = header(m, "#", "mining-pool host names sinkholed (append to /etc/hosts)");
  for (auto& [d, why] : p.domains) out += "0.0.0.0 " + d + "\n:: " + d + "\n";
  return out;
}

std::string dnsmasq(const BlockPlan& p, const ExportMeta& m) {
  auto out = header(m, "#", "mining-pool domains and their subdomains answered with 0.0.0.0 / ::");
  for (auto& d : outermost_domains(p)) out += "address=/" + d + "/0.0.0.0\naddress=/" + d + "/::\n";
  return out;
}

std::string unbound(const BlockPlan& p, const ExportMeta& m) {
  auto out = header(m, "#", "mining-pool zones answered with 0.0.0.0 / :: (include: from unbound.conf)");
  out += "server:\n";
  for (auto& d : outermost_domains(p)) out += "    local-zone: \"" + d + ".\" always_null\n";
  return out;
}

std::string rpz(const BlockPlan& p, const ExportMeta& m) {
  auto out = header(m, ";", "response policy zone: mining-pool domains and subdomains answer NXDOMAIN");
  out += "$TTL 300\n";
  out += "@ IN SOA localhost. hostmaster.localhost. ( " + std::to_string(m.serial) + " 3600 600 86400 300 )\n";
  out += "  IN NS localhost.\n";
  for (auto& d : outermost_domains(p)) out += d + " CNAME .\n*." + d + " CNAME .\n";
  return out;
}

std::string nft_set(std::string_view name, std::string_view type, const std::vector<std::string>& elements) {
  std::string out = "  set " + std::string(name) + " {\n    type " + std::string(type) + "\n";
  if (!elements.empty()) out += "    elements = { " + join(elements, ", ") + " }\n";
  return out + "  }\n";
}

std::string nft(const BlockPlan& p, const ExportMeta& m) {
  auto out = header(m, "#", "nftables egress block of mining pools (nft -f FILE; re-running replaces the table)");
  std::vector<std::string> pool_ports, any_ports;
  for (auto port : p.pool_ports) pool_ports.push_back(std::to_string(port));
  for (auto port : p.any_ports) any_ports.push_back(std::to_string(port));
  std::vector<std::string> none;
  // Declaring then deleting makes the delete safe on a host without the table.
  out += "table inet unmine\ndelete table inet unmine\ntable inet unmine {\n";
  out += nft_set("whole_v4", "ipv4_addr", p.whole_address ? v4(p) : none);
  out += nft_set("whole_v6", "ipv6_addr", p.whole_address ? v6(p) : none);
  out += nft_set("pool_v4", "ipv4_addr", p.whole_address ? none : v4(p));
  out += nft_set("pool_v6", "ipv6_addr", p.whole_address ? none : v6(p));
  out += nft_set("pool_ports", "inet_service", pool_ports);
  out += nft_set("stratum_ports", "inet_service", any_ports);
  out += "  counter whole {\n  }\n  counter pool {\n  }\n  counter stratum {\n  }\n";
  out += "  chain egress {\n";
  out += "    ip daddr @whole_v4 counter name \"whole\" drop\n";
  out += "    ip6 daddr @whole_v6 counter name \"whole\" drop\n";
  out += "    ip daddr @pool_v4 tcp dport @pool_ports counter name \"pool\" drop\n";
  out += "    ip6 daddr @pool_v6 tcp dport @pool_ports counter name \"pool\" drop\n";
  out += "    tcp dport @stratum_ports counter name \"stratum\" drop\n";
  out += "  }\n";
  for (auto hook : {"output", "forward"})
    out += "  chain " + std::string(hook) + " {\n    type filter hook " + hook +
           " priority filter; policy accept;\n    jump egress\n  }\n";
  return out + "}\n";
}

// iptables-restore: a chain of our own, jumped to from OUTPUT and FORWARD. multiport takes 15 ports a rule.
std::string iptables(const BlockPlan& p, const ExportMeta& m, bool ipv6) {
  auto out = header(m, "#",
                    std::string("mining-pool egress block for ") + (ipv6 ? "ip6tables" : "iptables") +
                        "-restore --noflush (run once: the jumps are appended)");
  const std::string chain = "UNMINE-EGRESS";
  auto host_bits = ipv6 ? "/128" : "/32";
  out += "*filter\n:" + chain + " - [0:0]\n";
  out += "-A OUTPUT -j " + chain + "\n-A FORWARD -j " + chain + "\n";
  auto chunks = [](const std::set<uint16_t>& ports) {
    std::vector<std::string> out;
    std::vector<uint16_t> chunk;
    for (auto port : ports) {
      chunk.push_back(port);
      if (chunk.size() == 15) out.push_back(join(chunk, ",")), chunk.clear();
    }
    if (!chunk.empty()) out.push_back(join(chunk, ","));
    return out;
  };
  for (auto& ip : ipv6 ? v6(p) : v4(p)) {
    if (p.whole_address) {
      out += "-A " + chain + " -d " + ip + host_bits + " -j DROP\n";
      continue;
    }
    for (auto& ports : chunks(p.pool_ports))
      out += "-A " + chain + " -d " + ip + host_bits + " -p tcp -m multiport --dports " + ports + " -j DROP\n";
  }
  for (auto& ports : chunks(p.any_ports))
    out += "-A " + chain + " -p tcp -m multiport --dports " + ports + " -j DROP\n";
  return out + "COMMIT\n";
}

std::string squid(const BlockPlan& p, const ExportMeta& m) {
  auto out = header(m, "#", "squid ACLs denying mining pools (place before the first http_access allow)");
  auto domains = outermost_domains(p);
  for (auto& d : domains) out += "acl unmine_pool_domains dstdomain ." + d + "\n";
  auto addrs = v4(p);
  for (auto& a : v6(p)) addrs.push_back(a);
  for (auto& a : addrs) out += "acl unmine_pool_addresses dst " + a + "\n";
  if (!p.any_ports.empty()) out += "acl unmine_pool_ports port " + join(p.any_ports, " ") + "\n";
  if (!domains.empty()) out += "http_access deny unmine_pool_domains\n";
  if (!addrs.empty()) out += "http_access deny unmine_pool_addresses\n";
  if (!p.any_ports.empty()) out += "http_access deny unmine_pool_ports\n";
  return out;
}

// Suricata: DNS queries and TLS SNI for pool domains (and subdomains), the pool addresses, and the stratum
// login on any port. SIDs from the local range 1000000-1999999.
std::string suricata(const BlockPlan& p, const ExportMeta& m) {
  auto out = header(m, "#", "Suricata rules (drop in IPS mode, alert in IDS mode)");
  uint32_t sid = 1730000;
  auto rule = [&](const std::string& head, const std::string& msg, const std::string& body) {
    out += "drop " + head + " (msg:\"unmine: " + msg + "\"; " + body +
           "classtype:policy-violation; sid:" + std::to_string(sid++) + "; rev:1;)\n";
  };
  const std::string json_method = "flow:established,to_server; content:\"|22|method|22|\"; ";
  rule("tcp $HOME_NET any -> $EXTERNAL_NET any", "stratum login (method login)",
       json_method + "pcre:\"/\\x22method\\x22\\s*:\\s*\\x22login\\x22/\"; ");
  rule(
      "tcp $HOME_NET any -> $EXTERNAL_NET any", "stratum subscribe (mining.subscribe)",
      json_method + "content:\"mining.subscribe\"; pcre:\"/\\x22method\\x22\\s*:\\s*\\x22mining\\.subscribe\\x22/\"; ");
  auto addrs = v4(p);
  for (auto& a : v6(p)) addrs.push_back(a);
  // Suricata address groups are bounded in practice; rules of 100 addresses each keep them readable.
  for (size_t i = 0; i < addrs.size(); i += 100) {
    std::vector<std::string> group(addrs.begin() + static_cast<long>(i),
                                   addrs.begin() + static_cast<long>(std::min(addrs.size(), i + 100)));
    auto dst = "[" + join(group, ",") + "]";
    if (p.whole_address)
      rule("ip $HOME_NET any -> " + dst + " any", "traffic to mining pool addresses", "");
    else if (!p.pool_ports.empty())
      rule("tcp $HOME_NET any -> " + dst + " [" + join(p.pool_ports, ",") + "]", "connection to a mining pool", "");
  }
  for (auto& d : outermost_domains(p)) {
    rule("dns $HOME_NET any -> any any", "DNS query for mining pool " + d,
         "dns.query; dotprefix; content:\"." + d + "\"; nocase; endswith; ");
    rule("tls $HOME_NET any -> any any", "TLS to mining pool " + d,
         "tls.sni; dotprefix; content:\"." + d + "\"; nocase; endswith; ");
  }
  return out;
}

struct ExportFormat {
  std::string_view name;
  std::string (*render)(const BlockPlan& plan, const ExportMeta& meta);
};

// The formats, in the order --help names them. Adding one: its function above and one line here.
const ExportFormat kExportFormats[] = {
    {"hosts", hosts},
    {"dnsmasq", dnsmasq},
    {"unbound", unbound},
    {"rpz", rpz},
    {"nft", nft},
    {"iptables", [](const BlockPlan& p, const ExportMeta& m) { return iptables(p, m, false); }},
    {"ip6tables", [](const BlockPlan& p, const ExportMeta& m) { return iptables(p, m, true); }},
    {"squid", squid},
    {"suricata", suricata},
};

}  // namespace

const std::vector<std::string_view>& export_formats() {
  static const std::vector<std::string_view> formats = [] {
    std::vector<std::string_view> names;
    for (auto& f : kExportFormats) names.push_back(f.name);
    return names;
  }();
  return formats;
}

std::string render_export(std::string_view format, const BlockPlan& plan, const ExportMeta& meta) {
  for (auto& f : kExportFormats)
    if (f.name == format) return f.render(plan, meta);
  std::string names;
  for (auto f : export_formats()) names += (names.empty() ? "" : ", ") + std::string(f);
  throw UsageError("--export " + std::string(format) + ": unknown format (one of " + names + ")");
}

}  // namespace unmine
