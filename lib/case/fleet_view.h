#pragma once
// A fleet case (case merge) seen whole: one row a host (verdict, miners, families, wallets, pools, steps
// done and late) and the campaigns: hosts linked by a shared wallet, pool, binary hash or SSH key, with
// what links them. `status` and every report format show it.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "case/case_store.h"

namespace unmine {

struct FleetHost {
  std::string name, case_uuid;
  int64_t case_id = 0;
  std::string verdict;   // the attack-chain case name over the host's findings
  std::string severity;  // none|low|medium|high|critical
  size_t findings = 0, miners = 0;
  std::set<std::string> families, wallets, pools;
  std::vector<std::string> steps_done, steps_late;
  std::map<std::string, std::set<std::string>>
      links;  // type (wallet|pool|sha256|ssh_key) -> values that may link hosts
  nlohmann::json to_json() const;
};

struct CampaignLink {
  std::string type, value;
  std::vector<std::string> hosts;
};

struct Campaign {
  std::vector<std::string> hosts;
  std::vector<CampaignLink> links;
  nlohmann::json to_json() const;
};

struct FleetView {
  std::vector<FleetHost> hosts;
  std::vector<Campaign> campaigns;
  bool empty() const { return hosts.empty(); }
  nlohmann::json to_json() const;  // {"hosts": [...], "campaigns": [...]}
};

// Empty when the case holds no merged hosts.
FleetView build_fleet_view(const CaseStore& store, const nlohmann::json& steps_def, int64_t now);

}  // namespace unmine
