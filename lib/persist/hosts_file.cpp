#include "persist/hosts_file.h"

#include "core/text.h"
#include "host/dns.h"

namespace unmine {

void scan_hosts_file(ScanContext& ctx) {
  const std::string path = "/etc/hosts";
  auto f = ctx.read_once(path, "net.dns");
  if (!f) return;
  auto parsed = parse_hosts_file(f->data);
  for (auto& a : parsed.anomalies) ctx.anomaly(path, std::nullopt, a);
  for (auto& e : parsed.entries) {
    if (e.responder_block) continue;
    std::optional<Tie> tie;
    for (auto& name : e.names) {
      if (ctx.incident.domains.count(name))
        tie = Tie{TieLevel::tied, "incident.domain", name, "domain"};
      else if (ctx.rules.is_pool_domain(name))
        tie = Tie{TieLevel::tied, "pool_domain", name, "pool_domain"};
      if (tie) break;
    }
    // An address alone ties a line only when it is not local: "127.0.0.1 localhost" says nothing about a
    // pool that happens to listen on loopback.
    if (!tie && !e.sinkhole && ctx.incident.ips.count(e.address))
      tie = Tie{TieLevel::tied, "incident.ip", e.address, "ip"};
    if (!tie) continue;
    Candidate c{"net.dns", Group::pool, path, e.line, e.raw, "root"};
    if (e.sinkhole)
      ctx.report(c, Tie{TieLevel::lookalike, "sinkhole", tie->indicator, tie->indicator_type}, Severity::info, false,
                 e.raw,
                 "pool domain sent to a sinkhole in /etc/hosts:" + std::to_string(e.line) +
                     " (a block, not poisoning): " + printable(tie->indicator));
    else
      ctx.report(c, *tie, Severity::high, true, e.raw,
                 "pool domain pinned to " + printable(e.address) + " in /etc/hosts:" + std::to_string(e.line) +
                     " (poisoning that bypasses DNS blocking): " + printable(tie->indicator));
  }
}

}  // namespace unmine
