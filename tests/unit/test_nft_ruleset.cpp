#include <doctest/doctest.h>

#include "actions/nft_ruleset.h"

using namespace unmine;
using nlohmann::json;

namespace {

BlockPlan sample_plan() {
  BlockPlan p;
  p.ipv4 = {{"198.51.100.7", "incident"}};
  p.ipv6 = {{"2001:db8::7", "--ip"}};
  p.pool_ports = {3333, 8443};
  p.any_ports = {3333, 4444};
  p.domains = {{"pool.example", "incident"}};
  return p;
}

std::vector<json> commands(const json& doc, const char* verb, const char* what) {
  std::vector<json> out;
  for (auto& c : doc["nftables"])
    if (c.contains(verb) && c[verb].contains(what)) out.push_back(c[verb][what]);
  return out;
}

}  // namespace

TEST_CASE("the first apply builds table, sets, counters, chains, rules and elements in one document") {
  auto apply = nft_apply_document(sample_plan(), NftState{});
  auto& doc = apply.document;
  REQUIRE(doc["nftables"].is_array());
  CHECK(doc["nftables"][0]["metainfo"]["json_schema_version"] == 1);
  auto tables = commands(doc, "add", "table");
  REQUIRE(tables.size() == 1);
  CHECK(tables[0] == json{{"family", "inet"}, {"name", "unmine"}});
  // Every object named is in our table: nothing else is ever touched.
  for (auto& c : doc["nftables"]) {
    if (c.contains("metainfo")) continue;
    auto& obj = c.begin().value().begin().value();
    CHECK(obj["family"] == "inet");
    CHECK((obj.contains("table") ? obj["table"] : obj["name"]) == "unmine");
  }
  std::map<std::string, std::string> set_types;
  for (auto& s : commands(doc, "add", "set")) set_types[s["name"]] = s["type"];
  CHECK(set_types == std::map<std::string, std::string>{{"pool_v4", "ipv4_addr"},
                                                        {"pool_v6", "ipv6_addr"},
                                                        {"whole_v4", "ipv4_addr"},
                                                        {"whole_v6", "ipv6_addr"},
                                                        {"pool_ports", "inet_service"},
                                                        {"stratum_ports", "inet_service"},
                                                        {"keep_v4", "ipv4_addr"},
                                                        {"keep_v6", "ipv6_addr"}});
  std::set<std::string> hooks;
  for (auto& c : commands(doc, "add", "chain"))
    if (c.contains("hook")) {
      hooks.insert(c["hook"].get<std::string>());
      CHECK(c["type"] == "filter");
      CHECK(c["policy"] == "accept");
    }
  CHECK(hooks == std::set<std::string>{"output", "forward"});
  CHECK(commands(doc, "add", "counter").size() == 3);
  auto rules = commands(doc, "add", "rule");
  CHECK(rules.size() == 9);  // two accepts and five drops in egress, a jump from each hook chain
  // The addresses never dropped are accepted before any drop.
  CHECK(rules[0]["expr"][1].contains("accept"));
  CHECK(rules[1]["expr"][1].contains("accept"));
  CHECK(rules[2]["expr"].back().contains("drop"));
  CHECK(apply.rules_written);
  // The pool rule: ip daddr @pool_v4 tcp dport @pool_ports counter "pool" drop.
  bool pool_rule = false;
  for (auto& r : rules) {
    if (r["comment"] != "unmine: pool addresses, pool ports") continue;
    pool_rule = true;
    CHECK(r["chain"] == "egress");
    CHECK(r["expr"][0]["match"]["left"]["payload"] == json{{"protocol", "ip"}, {"field", "daddr"}});
    CHECK(r["expr"][0]["match"]["right"] == "@pool_v4");
    CHECK(r["expr"][1]["match"]["right"] == "@pool_ports");
    CHECK(r["expr"][2] == json{{"counter", "pool"}});
    CHECK(r["expr"][3].contains("drop"));
  }
  CHECK(pool_rule);
  std::map<std::string, json> elems;
  for (auto& e : commands(doc, "add", "element")) elems[e["name"]] = e["elem"];
  CHECK(elems["pool_v4"] == json{"198.51.100.7"});
  CHECK(elems["pool_v6"] == json{"2001:db8::7"});
  CHECK(elems["pool_ports"] == json{3333, 8443});
  CHECK(elems["stratum_ports"] == json{3333, 4444});
  CHECK_FALSE(elems.contains("whole_v4"));
}

TEST_CASE("--whole-address puts the addresses in the whole_* sets") {
  auto p = sample_plan();
  p.whole_address = true;
  auto e = nft_plan_elements(p);
  CHECK(e["whole_v4"] == std::set<std::string>{"198.51.100.7"});
  CHECK(e["whole_v6"] == std::set<std::string>{"2001:db8::7"});
  CHECK_FALSE(e.contains("pool_v4"));
}

TEST_CASE("applying again adds only the new elements and leaves our rules alone") {
  auto first = nft_apply_document(sample_plan(), NftState{});
  // What `nft -j list table inet unmine` answers after the first apply.
  json listing = {{"nftables", json::array()}};
  listing["nftables"].push_back({{"metainfo", {{"version", "1.0.6"}, {"json_schema_version", 1}}}});
  listing["nftables"].push_back({{"table", {{"family", "inet"}, {"name", "unmine"}, {"handle", 1}}}});
  for (auto& e : commands(first.document, "add", "element"))
    listing["nftables"].push_back(
        {{"set", {{"family", "inet"}, {"table", "unmine"}, {"name", e["name"]}, {"elem", e["elem"]}}}});
  for (auto& r : commands(first.document, "add", "rule"))
    listing["nftables"].push_back({{"rule",
                                    {{"family", "inet"},
                                     {"table", "unmine"},
                                     {"chain", r["chain"]},
                                     {"comment", r["comment"]},
                                     {"expr", r["expr"]}}}});
  listing["nftables"].push_back(
      {{"counter", {{"family", "inet"}, {"table", "unmine"}, {"name", "pool"}, {"packets", 12}, {"bytes", 720}}}});
  // Someone else's table in the same listing is not ours.
  listing["nftables"].push_back(
      {{"set", {{"family", "inet"}, {"table", "other"}, {"name", "pool_v4"}, {"elem", {"10.9.9.9"}}}}});
  auto state = parse_nft_table_listing(listing);
  CHECK(state.table_exists);
  CHECK(state.elements["pool_v4"] == std::set<std::string>{"198.51.100.7"});
  CHECK(state.elements["pool_ports"] == std::set<std::string>{"3333", "8443"});
  CHECK(state.counters["pool"].packets == 12);

  auto same = nft_apply_document(sample_plan(), state);
  CHECK(same.added.empty());
  CHECK_FALSE(same.rules_written);
  CHECK(commands(same.document, "add", "rule").empty());
  CHECK(commands(same.document, "flush", "chain").empty());

  auto more = sample_plan();
  more.ipv4.emplace("192.0.2.55", "--ip");
  auto next = nft_apply_document(more, state);
  CHECK(next.added == NftElements{{"pool_v4", {"192.0.2.55"}}});
  auto elems = commands(next.document, "add", "element");
  REQUIRE(elems.size() == 1);
  CHECK(elems[0]["elem"] == json{"192.0.2.55"});

  // A rule removed by hand: the chains are flushed and written again, in the same transaction.
  state.rule_comments["egress"].pop_back();
  auto repaired = nft_apply_document(sample_plan(), state);
  CHECK(repaired.rules_written);
  CHECK(commands(repaired.document, "flush", "chain").size() == 3);
}

TEST_CASE("removal documents name only our table and our elements") {
  CHECK(nft_delete_table_document()["nftables"][1] ==
        json{{"delete", {{"table", {{"family", "inet"}, {"name", "unmine"}}}}}});
  auto doc = nft_delete_elements_document({{"pool_v4", {"192.0.2.55"}}, {"pool_ports", {"3333"}}});
  auto elems = commands(doc, "delete", "element");
  REQUIRE(elems.size() == 2);
  CHECK(elems[0]["name"] == "pool_ports");
  CHECK(elems[0]["elem"] == json{3333});
  CHECK(elems[1]["elem"] == json{"192.0.2.55"});
  json tables = {
      {"nftables",
       {{{"table", {{"family", "ip"}, {"name", "unmine"}}}}, {{"table", {{"family", "inet"}, {"name", "filter"}}}}}}};
  CHECK_FALSE(nft_listing_has_our_table(tables));
  tables["nftables"].push_back({{"table", {{"family", "inet"}, {"name", "unmine"}}}});
  CHECK(nft_listing_has_our_table(tables));
}

TEST_CASE("the responder's SSH peer and the resolvers go in the keep sets, never in a drop set") {
  auto plan = sample_plan();
  plan.kept = {{"203.0.113.9", "the responder's SSH peer (SSH_CONNECTION)"},
               {"2001:db8::53", "DNS resolver (/etc/resolv.conf)"}};
  auto e = nft_plan_elements(plan);
  CHECK(e["keep_v4"] == std::set<std::string>{"203.0.113.9"});
  CHECK(e["keep_v6"] == std::set<std::string>{"2001:db8::53"});
  for (auto set : {"pool_v4", "pool_v6", "whole_v4", "whole_v6"})
    if (e.count(set)) CHECK_FALSE(e[set].count("203.0.113.9"));
}
