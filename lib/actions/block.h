#pragma once
// `block --apply` and `block --remove` on the host: the nftables table `inet unmine` (when the procfs is the
// live one, i.e. this kernel's network stack is the inspected host's) and the hosts-file sinkhole under
// --root. Every change is preserved first where it replaces a file, recorded in the case as an action
// (block.nft, block.hosts) with its undo data, and rolled back by remove_block (recorded as unblock.*).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "actions/block_plan.h"
#include "actions/effects.h"
#include "actions/nft_ruleset.h"
#include "case/action_log.h"
#include "case/case_store.h"
#include "host/host_root.h"
#include "model/finding.h"

namespace unmine {

inline constexpr const char* kHostsPath = "/etc/hosts";

struct BlockResult {
  nlohmann::json actions =
      nlohmann::json::array();                 // contract actions[] (id, kind, target, status, evidence_id, error)
  std::vector<Finding> findings;               // hosts-file poisoning
  std::vector<std::string> notes;              // what was skipped and why
  std::map<std::string, NftCounter> counters;  // the table's counters after the change
  bool failed() const;
  int count(std::string_view status) const;
};

struct BlockTargets {
  bool nft = true;  // the live network stack (false: --root is not the live host); when nftables cannot
                    // be used, the nft/iptables exports go to the case's exports/
};

// The block actions --remove rolls back: block.nft and block.hosts rows done or left pending.
ActionFilter blocks_in_force();
// The table's counters as {set: {packets, bytes}}.
nlohmann::json counters_json(const std::map<std::string, NftCounter>& counters);
// The same as one line: "pool4 12 packets, ...".
std::string counters_text(const std::map<std::string, NftCounter>& counters);

BlockResult apply_block(const HostRoot& host, CaseStore& store, Effects& effects, const BlockPlan& plan,
                        const BlockTargets& targets);
BlockResult remove_block(const HostRoot& host, CaseStore& store, Effects& effects, const BlockTargets& targets);

// Reads the table's state: nullopt with `error` set when nftables cannot be used (no nft, no permission,
// kernel without nf_tables).
std::optional<NftState> read_nft_state(Effects& effects, std::string& error);

}  // namespace unmine
