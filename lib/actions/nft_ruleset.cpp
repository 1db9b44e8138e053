#include "actions/nft_ruleset.h"

#include <charconv>

namespace unmine {
namespace {

using nlohmann::json;

const char* const kSetTypes[][2] = {
    {"whole_v4", "ipv4_addr"}, {"whole_v6", "ipv6_addr"},      {"pool_v4", "ipv4_addr"},
    {"pool_v6", "ipv6_addr"},  {"pool_ports", "inet_service"}, {"stratum_ports", "inet_service"},
    {"keep_v4", "ipv4_addr"},  {"keep_v6", "ipv6_addr"},
};
const char* const kCounters[] = {"whole", "pool", "stratum"};

json object_ref(json o) {
  o["family"] = kNftFamily;
  o["table"] = kNftTable;
  return o;
}

json match_set(const char* protocol, const char* field, const std::string& set) {
  return {{"match",
           {{"op", "=="}, {"left", {{"payload", {{"protocol", protocol}, {"field", field}}}}}, {"right", "@" + set}}}};
}

json rule(const char* chain, const char* comment, json expr) {
  return {{"add", {{"rule", object_ref({{"chain", chain}, {"comment", comment}, {"expr", std::move(expr)}})}}}};
}

// The rules of chain egress, each with its comment (the comments tell a later run they are in place): first
// the addresses never dropped (the responder's SSH peer, the resolvers), then the drops.
std::vector<json> egress_rules() {
  json drop = {{"drop", nullptr}};
  json accept = {{"accept", nullptr}};
  return {
      rule("egress", "unmine: never dropped (the responder's SSH peer, DNS resolvers)",
           {match_set("ip", "daddr", "keep_v4"), accept}),
      rule("egress", "unmine: never dropped v6 (the responder's SSH peer, DNS resolvers)",
           {match_set("ip6", "daddr", "keep_v6"), accept}),
      rule("egress", "unmine: pool addresses, every port (--whole-address)",
           {match_set("ip", "daddr", "whole_v4"), {{"counter", "whole"}}, drop}),
      rule("egress", "unmine: pool addresses v6, every port (--whole-address)",
           {match_set("ip6", "daddr", "whole_v6"), {{"counter", "whole"}}, drop}),
      rule("egress", "unmine: pool addresses, pool ports",
           {match_set("ip", "daddr", "pool_v4"), match_set("tcp", "dport", "pool_ports"), {{"counter", "pool"}}, drop}),
      rule(
          "egress", "unmine: pool addresses v6, pool ports",
          {match_set("ip6", "daddr", "pool_v6"), match_set("tcp", "dport", "pool_ports"), {{"counter", "pool"}}, drop}),
      rule("egress", "unmine: ports only pools use, any address",
           {match_set("tcp", "dport", "stratum_ports"), {{"counter", "stratum"}}, drop}),
  };
}

const char* const kHookChains[][2] = {{"output", "output"}, {"forward", "forward"}};
constexpr const char* kJumpComment = "unmine: to egress";

std::map<std::string, std::vector<std::string>> expected_comments() {
  std::map<std::string, std::vector<std::string>> out;
  for (auto& r : egress_rules()) out["egress"].push_back(r["add"]["rule"]["comment"].get<std::string>());
  for (auto& [chain, hook] : kHookChains) out[chain] = {kJumpComment};
  return out;
}

std::string element_text(const json& e) {
  if (e.is_string()) return e.get<std::string>();
  if (e.is_number_unsigned() || e.is_number_integer()) return std::to_string(e.get<int64_t>());
  if (e.is_object() && e.contains("elem")) return element_text(e["elem"].value("val", json()));
  return e.dump();
}

json element_json(const std::string& set, const std::string& text) {
  if (set.ends_with("_ports")) {
    unsigned p = 0;
    std::from_chars(text.data(), text.data() + text.size(), p);
    return p;
  }
  return text;
}

json document(json commands) {
  json doc = json::array({{{"metainfo", {{"json_schema_version", 1}}}}});
  for (auto& c : commands) doc.push_back(std::move(c));
  return {{"nftables", std::move(doc)}};
}

json elements_command(const char* verb, const NftElements& elements) {
  json cmds = json::array();
  for (auto& [set, values] : elements) {
    if (values.empty()) continue;
    json elem = json::array();
    for (auto& v : values) elem.push_back(element_json(set, v));
    cmds.push_back({{verb, {{"element", object_ref({{"name", set}, {"elem", std::move(elem)}})}}}});
  }
  return cmds;
}

}  // namespace

json nft_list_tables_command() { return {{"nftables", json::array({{{"list", {{"tables", nullptr}}}}})}}; }

bool nft_listing_has_our_table(const json& listing) {
  for (auto& item : listing.value("nftables", json::array()))
    if (item.contains("table") && item["table"].value("family", "") == kNftFamily &&
        item["table"].value("name", "") == kNftTable)
      return true;
  return false;
}

json nft_list_table_command() {
  return {{"nftables", json::array({{{"list", {{"table", {{"family", kNftFamily}, {"name", kNftTable}}}}}}})}};
}

NftState parse_nft_table_listing(const json& listing) {
  NftState st;
  for (auto& item : listing.value("nftables", json::array())) {
    if (!item.is_object()) continue;
    auto ours = [&](const json& o) { return o.value("family", "") == kNftFamily && o.value("table", "") == kNftTable; };
    if (auto t = item.find("table");
        t != item.end() && t->value("family", "") == kNftFamily && t->value("name", "") == kNftTable) {
      st.table_exists = true;
    } else if (auto s = item.find("set"); s != item.end() && ours(*s)) {
      auto& values = st.elements[s->value("name", "")];
      for (auto& e : s->value("elem", json::array())) values.insert(element_text(e));
    } else if (auto r = item.find("rule"); r != item.end() && ours(*r)) {
      st.rule_comments[r->value("chain", "")].push_back(r->value("comment", ""));
    } else if (auto c = item.find("counter"); c != item.end() && ours(*c)) {
      st.counters[c->value("name", "")] = {c->value("packets", uint64_t{0}), c->value("bytes", uint64_t{0})};
    }
  }
  return st;
}

NftElements nft_plan_elements(const BlockPlan& plan) {
  NftElements e;
  auto& v4 = e[plan.whole_address ? "whole_v4" : "pool_v4"];
  for (auto& [ip, why] : plan.ipv4) v4.insert(ip);
  auto& v6 = e[plan.whole_address ? "whole_v6" : "pool_v6"];
  for (auto& [ip, why] : plan.ipv6) v6.insert(ip);
  if (!plan.ipv4.empty() || !plan.ipv6.empty())
    for (auto p : plan.pool_ports) e["pool_ports"].insert(std::to_string(p));
  for (auto p : plan.any_ports) e["stratum_ports"].insert(std::to_string(p));
  for (auto& [ip, why] : plan.kept) e[is_ipv6(ip) ? "keep_v6" : "keep_v4"].insert(ip);
  std::erase_if(e, [](auto& kv) { return kv.second.empty(); });
  return e;
}

NftApply nft_apply_document(const BlockPlan& plan, const NftState& before) {
  NftApply out;
  json cmds = json::array();
  // `add` of an object that exists is a no-op, so these make a missing piece whole again and change nothing else.
  cmds.push_back({{"add", {{"table", {{"family", kNftFamily}, {"name", kNftTable}}}}}});
  for (auto& [name, type] : kSetTypes)
    cmds.push_back({{"add", {{"set", object_ref({{"name", name}, {"type", type}})}}}});
  for (auto name : kCounters) cmds.push_back({{"add", {{"counter", object_ref({{"name", name}})}}}});
  cmds.push_back({{"add", {{"chain", object_ref({{"name", "egress"}})}}}});
  for (auto& [chain, hook] : kHookChains)
    cmds.push_back(
        {{"add",
          {{"chain",
            object_ref({{"name", chain}, {"type", "filter"}, {"hook", hook}, {"prio", 0}, {"policy", "accept"}})}}}});
  // Rules are re-written only when they are not exactly ours (first run, or someone changed them), so
  // applying twice leaves the same ruleset and the rule counters keep counting.
  auto expected = expected_comments();
  std::map<std::string, std::vector<std::string>> present;
  for (auto& [chain, comments] : expected)
    present[chain] = before.rule_comments.count(chain) ? before.rule_comments.at(chain) : std::vector<std::string>{};
  if (!before.table_exists || present != expected) {
    out.rules_written = true;
    for (auto& [chain, comments] : expected) cmds.push_back({{"flush", {{"chain", object_ref({{"name", chain}})}}}});
    for (auto& r : egress_rules()) cmds.push_back(r);
    for (auto& [chain, hook] : kHookChains)
      cmds.push_back(rule(chain, kJumpComment, json::array({{{"jump", {{"target", "egress"}}}}})));
  }
  for (auto& [set, values] : nft_plan_elements(plan)) {
    auto have = before.elements.find(set);
    for (auto& v : values)
      if (have == before.elements.end() || !have->second.contains(v)) out.added[set].insert(v);
  }
  for (auto& c : elements_command("add", out.added)) cmds.push_back(std::move(c));
  out.document = document(std::move(cmds));
  return out;
}

json nft_delete_table_document() {
  return document(json::array({{{"delete", {{"table", {{"family", kNftFamily}, {"name", kNftTable}}}}}}}));
}

json nft_delete_elements_document(const NftElements& elements) {
  return document(elements_command("delete", elements));
}

}  // namespace unmine
