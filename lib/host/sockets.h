#pragma once
// TCP/UDP sockets (v4 and v6) with their owning processes. On a live procfs they are read with netlink
// sock_diag (as `ss` does); otherwise /proc/net/{tcp,tcp6,udp,udp6} of the given procfs are parsed.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct SocketEntry {
  std::string proto;  // "tcp" | "udp"
  int family = 0;     // AF_INET | AF_INET6
  std::string local_addr;  // textual address ("127.0.0.1", "::1"; v4-mapped v6 shown as v4)
  uint16_t local_port = 0;
  std::string remote_addr;
  uint16_t remote_port = 0;
  std::string state;  // ESTABLISHED, SYN_SENT, LISTEN, CLOSE_WAIT, ... (UDP: UNCONN or ESTABLISHED)
  uint64_t inode = 0;
  uid_t uid = 0;
  std::vector<int> pids;  // owners, filled by SocketReader::attach_owners
};

struct SocketScan {
  std::vector<SocketEntry> sockets;
  std::vector<std::string> anomalies;  // malformed lines, unreadable tables: said, never fatal
  std::string source;                  // "netlink" | "procfs" | "none"
};

// One /proc/net/{tcp,tcp6,udp,udp6} text. Malformed or truncated lines go to anomalies.
std::vector<SocketEntry> parse_proc_net(std::string_view text, std::string_view proto, int family,
                                        std::vector<std::string>* anomalies);

class SocketReader {
 public:
  explicit SocketReader(const HostRoot& host);
  SocketScan scan() const;
  // Fills SocketEntry::pids by matching socket inodes to /proc/PID/fd links. The pids in `first` are
  // searched first; the rest of the processes only while some wanted socket is still unowned.
  void attach_owners(std::vector<SocketEntry>& wanted, const std::vector<int>& first = {}) const;

 private:
  const HostRoot& host_;
};

}  // namespace unmine
