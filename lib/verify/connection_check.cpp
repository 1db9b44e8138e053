#include "verify/connection_check.h"

#include <algorithm>
#include <array>

#include "core/text.h"
#include "host/sockets.h"

namespace unmine {
namespace {

bool is_loopback(const std::string& addr) { return addr.starts_with("127.") || addr == "::1"; }

bool is_closing_state(const std::string& state) {
  return state == "TIME_WAIT" || state.starts_with("FIN_WAIT") || state == "CLOSE_WAIT" || state == "LAST_ACK" ||
         state == "CLOSING";
}

}  // namespace

bool is_common_port(uint16_t port) {
  static constexpr std::array<uint16_t, 9> common = {22, 25, 53, 80, 123, 443, 465, 587, 993};
  return std::find(common.begin(), common.end(), port) != common.end();
}

ConnectionCheck check_connections(const HostRoot& host, const CaseBaseline& b) {
  ConnectionCheck out;
  SocketReader reader(host);
  // Only the connections to the case's pools are kept (the rest of a busy host is counted, not held).
  auto pool_connection = [&](const SocketEntry& s) {
    // A pool on loopback is a test's or a local proxy's: the address alone says nothing, the port does.
    bool by_addr = b.indicators.ips.contains(s.remote_addr) && !is_loopback(s.remote_addr);
    bool by_port = b.indicators.ports.contains(s.remote_port) && !is_common_port(s.remote_port);
    return by_addr || by_port;
  };
  SocketQuery query;
  query.keep = [&](const SocketEntry& s) {
    if (s.remote_port == 0 || s.state == "LISTEN") return false;
    ++out.sockets;
    return pool_connection(s);
  };
  auto scan = reader.scan(query);
  out.source = scan.source;
  out.notes = scan.anomalies;
  out.complete = scan.complete();
  std::vector<SocketEntry> hits = std::move(scan.sockets);
  if (!hits.empty()) reader.attach_owners(hits);
  // A closing socket no process holds is what a killed miner leaves behind for a minute: not a recurrence.
  std::erase_if(hits, [](const SocketEntry& s) { return s.pids.empty() && is_closing_state(s.state); });
  for (auto& s : hits) {
    bool by_addr = b.indicators.ips.contains(s.remote_addr) && !is_loopback(s.remote_addr);
    auto remote = printable(s.remote_addr) + ":" + std::to_string(s.remote_port);
    auto f = make_finding(
        Group::pool, "net.connection", by_addr ? Severity::high : Severity::medium,
        s.proto + " connection to " + (by_addr ? "the pool " : "the stratum port of ") + remote + " (" + s.state + ")",
        "verify-conn|" + s.proto + "|" + remote);
    if (s.pids.size() == 1) f.pid = s.pids[0];
    f.evidence = {{"rule", by_addr ? "pool_address" : "pool_port"},
                  {"proto", s.proto},
                  {"local", printable(s.local_addr)},
                  {"local_port", s.local_port},
                  {"remote", printable(s.remote_addr)},
                  {"remote_port", s.remote_port},
                  {"state", s.state},
                  {"pids", s.pids}};
    out.findings.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
