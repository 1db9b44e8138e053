// The pool group: connections to pools (by the miner's own configuration, by stratum-only ports, by pool
// addresses the hosts file pins) and pool names (in miners' options and configs, the hosts file, the DNS
// cache). A connection to 80/443/8080 is never evidence by its port alone.
#include <algorithm>
#include <set>

#include "core/text.h"
#include "detect/detectors.h"

namespace unmine {
namespace {

bool connected(const SocketEntry& s) {
  return s.proto == "tcp" && (s.state == "ESTABLISHED" || s.state == "SYN_SENT" || s.state == "SYN_RECV");
}

}  // namespace

bool to_stratum_port(const SocketEntry& s, const Indicators& ind, const std::set<uint16_t>& listening_ports) {
  // An accepted connection's peer port is the client's ephemeral port, which may be any number: only
  // outbound connections (the local port is not a listening one) say something by their remote port.
  return ind.is_stratum_port(s.remote_port) && !listening_ports.contains(s.local_port);
}

namespace {

std::string endpoint(const std::string& addr, uint16_t port) {
  return (addr.find(':') != std::string::npos ? "[" + addr + "]" : addr) + ":" + std::to_string(port);
}

nlohmann::json socket_json(const SocketEntry& s) {
  return {{"proto", s.proto},        {"local", s.local_addr},        {"local_port", s.local_port},
          {"remote", s.remote_addr}, {"remote_port", s.remote_port}, {"state", s.state},
          {"inode", s.inode}};
}

std::string owner_text(const SocketEntry& s, const std::map<int, const Process*>& by_pid) {
  if (s.pids.empty()) return "a socket without a found owner";
  auto it = by_pid.find(s.pids.front());
  if (it == by_pid.end()) return "pid " + std::to_string(s.pids.front());
  return describe(*it->second);
}

std::string owner_exe(const SocketEntry& s, const std::map<int, const Process*>& by_pid) {
  if (s.pids.empty()) return "(no owner)";
  auto it = by_pid.find(s.pids.front());
  return it == by_pid.end() ? "(gone)" : it->second->exe;
}

}  // namespace

std::vector<Finding> detect_network(const NetworkInput& in, const Indicators& ind, const SocketReader& reader,
                                    const std::map<int, const Process*>& by_pid) {
  std::vector<Finding> out;
  std::set<uint64_t> covered;                            // sockets already reported through their miner
  std::set<std::pair<std::string, uint16_t>> pool_ends;  // address:port the miners are configured for
  std::map<std::string, std::string> pool_addrs;         // address -> pool name the hosts file pins to it
  std::set<std::string> miner_hosts;                     // pool host names in the miners' options/configs

  // Pools named by the miners themselves.
  for (auto& m : *in.miners) {
    for (auto& p : m.pools) {
      if (p.host.empty()) continue;
      pool_ends.insert({p.host, p.port});
      if (p.host.find_first_not_of("0123456789.:abcdef") != std::string::npos) miner_hosts.insert(p.host);
      auto hit = ind.pool_domain(p.host);
      if (!hit) continue;
      auto f = make_finding(
          Group::pool, "net.dns", Severity::high,
          describe(m.proc) + " is set to mine at " + printable(p.host) + ", a known pool (" + p.source + ")",
          "pool-name\n" + p.host + "\n" + m.proc.exe);
      f.pid = m.proc.pid;
      f.evidence = {{"host", printable(p.host)},
                    {"port", p.port},
                    {"url", printable(p.url)},
                    {"source", p.source},
                    {"list_entry", hit->entry},
                    {"list", hit->source},
                    {"rule", "pool domain in miner configuration"}};
      out.push_back(std::move(f));
    }
  }

  // The hosts file: a pool name pinned to an address makes that address a pool's; sinkholed rival pools are
  // context (blocklists do the same).
  if (in.dns) {
    std::vector<std::string> sinkholed;
    for (auto& e : in.dns->hosts.entries) {
      if (e.responder_block) continue;
      for (auto& name : e.names) {
        auto hit = ind.pool_domain(name);
        if (!hit && !miner_hosts.contains(name)) continue;
        if (e.sinkhole) {
          sinkholed.push_back(name);
          continue;
        }
        pool_addrs[e.address] = name;
        if (!in.hosts_findings) continue;
        auto f = make_finding(Group::pool, "net.dns", Severity::medium,
                              in.dns->hosts_path + " line " + std::to_string(e.line) + " pins pool host " +
                                  printable(name) + " to " + printable(e.address),
                              "hosts\n" + in.dns->hosts_path + "\n" + e.text);
        f.path = in.dns->hosts_path;
        f.line = e.line;
        f.evidence = {{"text", printable(e.text)},
                      {"host", name},
                      {"address", printable(e.address)},
                      {"rule", hit ? "pool domain in hosts file" : "miner's pool host in hosts file"}};
        if (hit) f.evidence["list"] = hit->source;
        out.push_back(std::move(f));
      }
    }
    if (in.hosts_findings && !sinkholed.empty()) {
      auto f =
          make_finding(Group::pool, "net.dns", Severity::info,
                       in.dns->hosts_path + " points " + std::to_string(sinkholed.size()) +
                           " pool host name(s) at a local address: a blocklist, or a miner shutting out rival pools",
                       "hosts-sinkhole\n" + in.dns->hosts_path);
      f.path = in.dns->hosts_path;
      auto names = nlohmann::json::array();
      for (size_t i = 0; i < sinkholed.size() && i < 50; ++i) names.push_back(sinkholed[i]);
      f.evidence = {{"hosts", names}, {"count", sinkholed.size()}, {"rule", "pool domains sinkholed in hosts file"}};
      out.push_back(std::move(f));
    }
    for (auto& name : in.dns->cached_names) {
      auto hit = ind.pool_domain(name);
      if (!hit) continue;
      auto f =
          make_finding(Group::pool, "net.dns", Severity::medium,
                       "the DNS cache " + in.dns->cache_path + " holds pool host " + name + ": it was looked up here",
                       "dns-cache\n" + name);
      f.path = in.dns->cache_path;
      f.evidence = {
          {"host", name}, {"list_entry", hit->entry}, {"list", hit->source}, {"rule", "pool domain in DNS cache"}};
      out.push_back(std::move(f));
    }
  }

  // Each miner's own connections: to its configured pool, or to a stratum-only port.
  for (auto& m : *in.miners) {
    for (auto& s : m.connections) {
      if (!connected(s)) continue;
      bool configured = std::any_of(m.pools.begin(), m.pools.end(), [&](auto& p) {
        return p.port == s.remote_port &&
               (p.host == s.remote_addr || pool_addrs.contains(s.remote_addr) || miner_hosts.contains(p.host));
      });
      bool stratum = to_stratum_port(s, ind, in.listening_ports);
      if (!configured && !stratum && !pool_addrs.contains(s.remote_addr)) continue;
      covered.insert(s.inode);
      auto f = make_finding(Group::pool, "net.connection", Severity::high,
                            describe(m.proc) + " is connected to " + endpoint(s.remote_addr, s.remote_port) +
                                (configured ? ", the pool it is set to mine at"
                                 : stratum  ? ", a stratum port"
                                            : ", a pool address"),
                            "conn\n" + m.proc.exe + "\n" + endpoint(s.remote_addr, s.remote_port));
      f.pid = m.proc.pid;
      f.path = printable(m.proc.exe);
      f.evidence = socket_json(s);
      f.evidence["rule"] = configured ? "connection to the miner's configured pool"
                           : stratum  ? "stratum port"
                                      : "pool address";
      out.push_back(std::move(f));
    }
  }

  // Everyone else: connections to stratum-only ports, to the miners' pool endpoints, to pinned pool addresses.
  std::vector<SocketEntry> wanted;
  if (in.sockets)
    for (auto& s : in.sockets->sockets) {
      if (!connected(s) || covered.contains(s.inode)) continue;
      if (to_stratum_port(s, ind, in.listening_ports) || pool_ends.contains({s.remote_addr, s.remote_port}) ||
          pool_addrs.contains(s.remote_addr))
        wanted.push_back(s);
    }
  // Owners triage found already are kept; only the rest are looked for.
  std::vector<SocketEntry> unowned;
  for (auto& s : wanted)
    if (s.pids.empty()) unowned.push_back(s);
  if (!unowned.empty()) {
    reader.attach_owners(unowned, in.candidate_pids);
    std::map<uint64_t, std::vector<int>> owners;
    for (auto& s : unowned) owners[s.inode] = s.pids;
    for (auto& s : wanted)
      if (auto it = owners.find(s.inode); s.pids.empty() && it != owners.end()) s.pids = it->second;
  }
  for (auto& s : wanted) {
    bool pool_end = pool_ends.contains({s.remote_addr, s.remote_port});
    auto pinned = pool_addrs.find(s.remote_addr);
    Severity sev = pool_end || pinned != pool_addrs.end() ? Severity::high : Severity::medium;
    std::string why = pool_end                     ? "a miner's pool"
                      : pinned != pool_addrs.end() ? "the address pinned for " + pinned->second
                                                   : "a stratum-only port";
    auto f =
        make_finding(Group::pool, "net.connection", sev,
                     owner_text(s, by_pid) + " is connected to " + endpoint(s.remote_addr, s.remote_port) + ", " + why,
                     "conn\n" + owner_exe(s, by_pid) + "\n" + endpoint(s.remote_addr, s.remote_port));
    if (!s.pids.empty()) f.pid = s.pids.front();
    f.evidence = socket_json(s);
    f.evidence["owners"] = s.pids;
    f.evidence["rule"] = pool_end                     ? "miner's pool endpoint"
                         : pinned != pool_addrs.end() ? "pinned pool address"
                                                      : "stratum port";
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
