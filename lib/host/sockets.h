#pragma once
// TCP/UDP sockets (v4 and v6) with their owning processes. On a live procfs they are read with netlink
// sock_diag (as `ss` does); otherwise /proc/net/{tcp,tcp6,udp,udp6} of the given procfs are parsed.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct SocketEntry {
  std::string proto;       // "tcp" | "udp"
  int family = 0;          // AF_INET | AF_INET6
  std::string local_addr;  // textual address ("127.0.0.1", "::1"; v4-mapped v6 shown as v4)
  uint16_t local_port = 0;
  std::string remote_addr;
  uint16_t remote_port = 0;
  std::string state;  // ESTABLISHED, SYN_SENT, LISTEN, CLOSE_WAIT, ... (UDP: UNCONN or ESTABLISHED)
  uint64_t inode = 0;
  uid_t uid = 0;
  std::vector<int> pids;  // owners, filled by SocketReader::attach_owners

  bool listening() const { return state == "LISTEN" || (proto == "udp" && state == "UNCONN"); }
};

// At most this many sockets are kept by one scan: a host with a million connections (or a procfs table
// made to look like one) costs the same as one with this many. The count of the rest is said.
inline constexpr size_t kMaxKeptSockets = 20000;

struct SocketScan {
  std::vector<SocketEntry> sockets;
  std::vector<std::string> anomalies;  // malformed lines, unreadable tables, the limit reached: said, never fatal
  std::string source;                  // "netlink" | "procfs" | "none"
  uint64_t not_kept = 0;               // sockets the query wanted beyond kMaxKeptSockets (left out)
  uint64_t lines_skipped = 0;          // procfs lines malformed or too long (the first few are in anomalies)
  // Every socket the query wanted was kept and every line read: nothing was cut short.
  bool complete() const { return not_kept == 0 && lines_skipped == 0; }
};

// Which sockets to read. Leaving out listeners and UDP keeps a scan of a busy host small.
struct SocketQuery {
  bool tcp = true;
  bool udp = true;
  bool listening = true;        // TCP LISTEN and unconnected UDP sockets
  bool time_wait = true;        // TCP TIME_WAIT (no owner, but shows recent peers)
  bool only_listening = false;  // TCP LISTEN sockets alone (which local ports serve: inbound connections)
  // Keeps only the sockets it accepts (empty: all). On a busy host most sockets are of no interest:
  // filtering while reading keeps memory to what is kept.
  std::function<bool(const SocketEntry&)> keep;
};

// TCP state names by the kernel's number (1 = ESTABLISHED ... 12 = NEW_SYN_RECV); "UNKNOWN" otherwise.
std::string_view tcp_state_name(unsigned state);

// One /proc/net/{tcp,tcp6,udp,udp6} text. Malformed or truncated lines go to anomalies.
std::vector<SocketEntry> parse_proc_net(std::string_view text, std::string_view proto, int family,
                                        std::vector<std::string>* anomalies);
// One line of such a table (`number` counts from 1, the header included): the socket, or nullopt for the
// header, a blank line or a malformed one (then `why` says what was wrong).
std::optional<SocketEntry> parse_proc_net_line(std::string_view line, std::string_view proto, int family,
                                               std::string* why);

// The inode of an fd link target "socket:[12345]"; 0 for anything else.
uint64_t socket_inode_of(std::string_view link_target);

class SocketReader {
 public:
  explicit SocketReader(const HostRoot& host);
  SocketScan scan(const SocketQuery& query = {}) const;
  // Fills SocketEntry::pids by matching socket inodes to /proc/PID/fd links. The pids in `first` are
  // searched first; the rest of the processes only while some wanted socket is still unowned. Sockets
  // without an inode (TIME_WAIT) are never searched for.
  void attach_owners(std::vector<SocketEntry>& wanted, const std::vector<int>& first = {}) const;

 private:
  const HostRoot& host_;
};

}  // namespace unmine
