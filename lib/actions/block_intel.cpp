#include "actions/block_intel.h"

#include <charconv>

namespace unmine {
namespace {

std::set<uint16_t> port_list(const Playbook& playbook, std::string_view rel) {
  std::set<uint16_t> out;
  for (auto& line : playbook.list(rel)) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), p);
    if (ec == std::errc{} && end == line.data() + line.size() && p > 0 && p < 65536)
      out.insert(static_cast<uint16_t>(p));
  }
  return out;
}

}  // namespace

PoolIntel pool_intel(const Playbook& playbook) {
  PoolIntel intel;
  for (auto rel : {"intel/falco_miner_domains.txt", "intel/sigma_pool_domains.txt", "intel/nocoin_hosts.txt"})
    for (auto& d : playbook.list(rel)) intel.domains.insert(d);
  intel.service = port_list(playbook, "block/service_ports.txt");
  for (auto p : port_list(playbook, "intel/falco_miner_ports.txt"))
    if (!intel.service.contains(p)) intel.stratum_only.insert(p);
  return intel;
}

}  // namespace unmine
