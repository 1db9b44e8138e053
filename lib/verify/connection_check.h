#pragma once
// Is anything talking to the incident's pools again? Every TCP/UDP socket whose remote end is a pool
// address of the case, or a stratum port the miners used.
#include <string>
#include <vector>

#include "host/host_root.h"
#include "model/finding.h"
#include "verify/baseline.h"

namespace unmine {

struct ConnectionCheck {
  std::vector<Finding> findings;
  int sockets = 0;
  std::string source;    // netlink | procfs | none
  bool complete = true;  // false: a limit left sockets unread or unexamined (the notes say which)
  std::vector<std::string> notes;
};

ConnectionCheck check_connections(const HostRoot& host, const CaseBaseline& baseline);

// A remote port is evidence alone only when it is not one every host talks to (web, DNS, mail, ssh).
bool is_common_port(uint16_t port);

}  // namespace unmine
