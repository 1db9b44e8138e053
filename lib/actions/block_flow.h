#pragma once
// The block flow behind `unmine block`: the plan from the case and a live triage, its contract plan[]
// items, the apply with what it found recorded, and what --remove would roll back. The command binds
// options and renders.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "actions/block.h"
#include "actions/block_plan.h"
#include "case/case_store.h"
#include "host/host_root.h"
#include "playbook/playbook.h"

namespace unmine {

struct BlockRequest {
  std::vector<std::string> hosts;  // --host
  std::vector<std::string> ips;    // --ip
  bool whole_address = false;      // --whole-address
  std::string ssh_connection;      // the responder's SSH_CONNECTION: its peer is never dropped
};

// The case's indicators merged with a live triage, the named hosts and addresses and the playbook's pool
// lists. `notes` says what could not be used.
BlockPlan plan_block_for_case(const HostRoot& host, const Playbook& playbook, const CaseStore& store,
                              const BlockRequest& request, std::vector<std::string>& notes);
// "2 pool address(es), 3 stratum port(s), 40 domain(s)".
std::string plan_summary(const BlockPlan& plan);
// The plan as contract plan[] items (kind, target, reason).
nlohmann::json plan_items(const BlockPlan& plan);
// The addresses never dropped and why: as the contract's kept[] and as one line for the terminal ("" when none).
nlohmann::json kept_items(const BlockPlan& plan);
std::string kept_summary(const BlockPlan& plan);
// block's documents for a dry run (plan[], kept[], the plan's rejected findings) and for an apply
// (actions[], kept[], findings[], counters); `export_info` (write_block_export) is added when not null.
nlohmann::json block_plan_document(const BlockPlan& plan, const std::vector<std::string>& notes,
                                   const nlohmann::json& export_info);
nlohmann::json block_apply_document(const BlockPlan& plan, const std::vector<Finding>& findings,
                                    const BlockResult& result, const std::vector<std::string>& notes,
                                    const nlohmann::json& export_info);
// What --remove would roll back, as plan[] items (unblock.nft, unblock.hosts).
nlohmann::json removal_plan(const CaseStore& store);

// Applies the plan (the live firewall only when the procfs is the live one) and records in the case what
// the plan rejected and the apply found (hosts-file poisoning): those findings, deduplicated.
std::vector<Finding> apply_block_plan(const HostRoot& host, CaseStore& store, Effects& effects, const BlockPlan& plan,
                                      BlockResult& result);

// One line for an action's or plan item's target ("203.0.113.7, tcp 3333,5555", "/etc/hosts: pool.example").
std::string block_target_text(const nlohmann::json& target);

// The plan rendered for another layer (render_export: hosts, dnsmasq, nft, ...), stamped with the case.
std::string block_export_text(const CaseStore& store, const BlockPlan& plan, const std::string& format);
// Writes the export to `output` (empty: keeps it as "content") and describes it: format, bytes, sha256, path.
nlohmann::json write_block_export(const std::string& format, const std::string& text, const std::string& output);

// Writes a file by a temporary beside it and a rename, so a reader never sees half of it.
void write_file_replacing(const std::string& path, const std::string& content);

}  // namespace unmine
