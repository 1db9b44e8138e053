#pragma once
// What `block` blocks, decided from the incident's pools, the responder's --host/--ip and the playbook's
// pool lists and port classes. Pure: no host access, so every rule is unit-tested on literals.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/finding.h"
#include "model/incident.h"

namespace unmine {

// The playbook's view of pool infrastructure (see block_intel.h for where it is read).
struct PoolIntel {
  std::set<std::string> domains;    // pool host names of the public lists
  std::set<uint16_t> stratum_only;  // ports only pools use: dropped towards any address
  std::set<uint16_t> service;       // ports ordinary services also use: never dropped towards any address
};

struct BlockInputs {
  IncidentIndicators incident;     // the case's indicators merged with a live triage
  std::vector<std::string> hosts;  // --host
  std::vector<std::string> ips;    // --ip
  PoolIntel intel;
  bool whole_address = false;  // --whole-address: every port to the pool addresses
  // Addresses never dropped, whatever else says so -> why: the responder's own SSH peer (SSH_CONNECTION)
  // and the host's DNS resolvers (/etc/resolv.conf). Cutting either cuts the response itself.
  std::map<std::string, std::string> keep;
};

// Why an element is blocked: "incident", "--host", "--ip", "playbook".
struct BlockPlan {
  std::map<std::string, std::string> ipv4, ipv6;  // pool addresses (canonical text) -> why
  std::set<uint16_t> pool_ports;               // dropped towards the pool addresses: the miner's ports + stratum ports
  std::set<uint16_t> any_ports;                // dropped towards any address: stratum-only ports
  bool whole_address = false;                  // the pool addresses are dropped on every port
  std::map<std::string, std::string> domains;  // DNS-layer sinkhole: name -> why
  std::vector<Finding> rejected;               // indicators from the case that cannot be blocked safely
  std::map<std::string, std::string> kept;     // never dropped (canonical address -> why): accepted before any drop

  bool empty() const { return ipv4.empty() && ipv6.empty() && any_ports.empty() && domains.empty(); }
};

// Canonical text of an IPv4/IPv6 address (inet_pton/inet_ntop round trip); nullopt when invalid.
// An IPv4-mapped IPv6 address comes back as the IPv4 address.
std::optional<std::string> canonical_ip(std::string_view text);
bool is_ipv6(std::string_view canonical);

// Why a host name cannot be blocked (empty when it can): only letters, digits, '-', '_' and dots; at most
// 253 characters, labels of 1..63, no leading '-'; nothing a resolver or a shell would read specially.
std::string domain_problem(std::string_view name);
// Lower case, one trailing dot dropped.
std::string normalize_domain(std::string_view name);

// Throws UsageError for an invalid --host/--ip or when nothing at all would be blocked. Invalid
// indicators from the case become findings in `rejected`.
BlockPlan plan_block(const BlockInputs& in);

}  // namespace unmine
