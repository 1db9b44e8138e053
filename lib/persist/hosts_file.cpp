#include "persist/hosts_file.h"

#include <arpa/inet.h>

#include "core/text.h"

namespace unmine {

HostsParse parse_hosts(std::string_view text) {
  HostsParse out;
  int n = 0;
  for (auto raw : lines(text)) {
    ++n;
    auto line = raw.substr(0, raw.find('#'));
    auto fields = split_nul(std::string(trim(line)), ' ');
    std::vector<std::string> words;
    for (auto& f : fields)
      for (auto& w : split_nul(f, '\t'))
        if (!w.empty()) words.push_back(w);
    if (words.empty()) continue;
    unsigned char buf[16];
    if (inet_pton(AF_INET, words[0].c_str(), buf) != 1 && inet_pton(AF_INET6, words[0].c_str(), buf) != 1) {
      out.anomalies.push_back({n, "not an address"});
      continue;
    }
    out.entries.push_back({n, words[0], {words.begin() + 1, words.end()}, raw});
  }
  return out;
}

bool is_sinkhole_address(std::string_view a) {
  return a == "0.0.0.0" || a.starts_with("127.") || a == "::1" || a == "::" || a == "0:0:0:0:0:0:0:0" || a == "0:0:0:0:0:0:0:1";
}

void scan_hosts_file(ScanContext& ctx) {
  const std::string path = "/etc/hosts";
  auto f = ctx.read_once(path);
  if (!f) return;
  auto parsed = parse_hosts(f->data);
  ctx.anomalies(path, parsed.anomalies);
  for (auto& e : parsed.entries) {
    std::optional<Tie> tie;
    for (auto& name : e.names) {
      if (ctx.incident.domains.count(to_lower(name))) tie = Tie{TieLevel::tied, "incident.domain", name, "domain"};
      else if (ctx.rules.is_pool_domain(name)) tie = Tie{TieLevel::tied, "pool_domain", to_lower(name), "pool_domain"};
      if (tie) break;
    }
    if (!tie && ctx.incident.ips.count(e.address)) tie = Tie{TieLevel::tied, "incident.ip", e.address, "ip"};
    if (!tie) continue;
    Candidate c{"hosts", Group::pool, path, e.line, std::string(e.text), "root"};
    if (is_sinkhole_address(e.address))
      ctx.report(c, Tie{TieLevel::lookalike, "sinkhole", tie->indicator, tie->indicator_type}, Severity::info, false, e.text,
                 "pool domain sent to a sinkhole in /etc/hosts:" + std::to_string(e.line) + " (a block, not poisoning): " +
                     printable(tie->indicator));
    else
      ctx.report(c, *tie, Severity::high, true, e.text,
                 "pool domain pinned to " + printable(e.address) + " in /etc/hosts:" + std::to_string(e.line) +
                     " (poisoning that bypasses DNS blocking): " + printable(tie->indicator));
  }
}

}  // namespace unmine
