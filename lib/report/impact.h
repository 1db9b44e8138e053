#pragma once
// The resource-impact estimate: CPU the miners consumed (their cpu_seconds when identify/preserve/kill
// last saw each process), its cost at a price per vCPU-hour, and memory and network where the case knows them.
#include <nlohmann/json.hpp>
#include <vector>

namespace unmine {

// miners: rows of the miners table with `data` parsed (the contract miners[] object).
nlohmann::json estimate_impact(const std::vector<nlohmann::json>& miner_observations, double cost_per_vcpu_hour,
                               const std::string& currency);

}  // namespace unmine
