#pragma once
// The nftables side of `block` as JSON documents (nft -j / libnftables), built and read without touching
// the host. One table of our own, `inet unmine`: named sets of pool addresses and ports, named counters,
// a regular chain `egress` with the drop rules, and base chains on the output and forward hooks (so
// containers on the host are covered) that jump to it. Other tables are never named.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "actions/block_plan.h"

namespace unmine {

inline constexpr const char* kNftFamily = "inet";
inline constexpr const char* kNftTable = "unmine";

// Elements of our sets, as text ("10.0.0.1", "3333"), by set name.
using NftElements = std::map<std::string, std::set<std::string>>;

struct NftCounter {
  uint64_t packets = 0, bytes = 0;
};

// What the table holds now, read from `list table inet unmine`.
struct NftState {
  bool table_exists = false;
  NftElements elements;
  std::map<std::string, std::vector<std::string>> rule_comments;  // chain -> comments of its rules, in order
  std::map<std::string, NftCounter> counters;
};

// {"nftables":[{"list":{"tables":null}}]}: answers whether our table exists (and whether nft works at all).
nlohmann::json nft_list_tables_command();
bool nft_listing_has_our_table(const nlohmann::json& listing);
nlohmann::json nft_list_table_command();
NftState parse_nft_table_listing(const nlohmann::json& listing);

// The elements the plan puts in each set.
NftElements nft_plan_elements(const BlockPlan& plan);

struct NftApply {
  nlohmann::json
      document;       // one transaction: table, sets, counters, chains, rules (when missing or changed), new elements
  NftElements added;  // elements the table did not hold yet
  bool rules_written = false;
};
NftApply nft_apply_document(const BlockPlan& plan, const NftState& before);

nlohmann::json nft_delete_table_document();
// Deletes only these elements (those a block action added to a table that was there before it).
nlohmann::json nft_delete_elements_document(const NftElements& elements);

}  // namespace unmine
