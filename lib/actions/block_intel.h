#pragma once
// The one place `block` reads the playbook's pool lists and port classes.
#include "actions/block_plan.h"
#include "playbook/playbook.h"

namespace unmine {

// Pool domains: intel/falco_miner_domains.txt, intel/sigma_pool_domains.txt, intel/nocoin_hosts.txt.
// Ports: intel/falco_miner_ports.txt, split by block/service_ports.txt into pool-only and service ports.
PoolIntel pool_intel(const Playbook& playbook);

}  // namespace unmine
