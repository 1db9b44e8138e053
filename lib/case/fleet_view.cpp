#include "case/fleet_view.h"

#include <algorithm>
#include <functional>

#include "case/fleet_store.h"
#include "case/timeline.h"
#include "detect/ioc_sweep.h"
#include "detect/verdict.h"

namespace unmine {
namespace {

std::vector<Finding> host_findings(const CaseStore& store, int64_t case_id) {
  std::vector<Finding> out;
  for (auto& r :
       store.query("SELECT finding_id, group_name, kind, severity, summary, evidence FROM findings WHERE case_id=?",
                   {case_id})) {
    Finding f;
    f.id = string_at(r, "finding_id");
    f.group = parse_group(string_at(r, "group_name")).value_or(Group::miner);
    f.kind = string_at(r, "kind");
    f.severity = parse_severity(string_at(r, "severity")).value_or(Severity::info);
    f.summary = string_at(r, "summary");
    f.evidence = json_column(r["evidence"]);
    if (!f.evidence.is_object()) f.evidence = nlohmann::json::object();
    f.entry_class = f.evidence.value("class", "");  // kept in the evidence (record_findings)
    out.push_back(std::move(f));
  }
  return out;
}

// What may link this host to others: its recorded indicators, the wallets and pools of its miners, and
// the indicators its findings were tied through (a wallet in a unit, an IoC matched by a sweep).
void collect_links(const CaseStore& store, FleetHost& h, const std::vector<Finding>& findings) {
  auto add = [&h](const std::string& type, const std::string& value) {
    if (value.empty()) return;
    if (type == "wallet")
      h.links["wallet"].insert(value);
    else if (type == "domain" || type == "ipv4" || type == "ipv6" || type == "ip")
      h.links["pool"].insert(value);
    else if (type == "sha256")
      h.links["sha256"].insert(value);
    else if (type == "ssh_key")
      h.links["ssh_key"].insert(value);
  };
  for (auto& r : store.query("SELECT type, value FROM indicators WHERE case_id=?", {h.case_id}))
    add(string_at(r, "type"), string_at(r, "value"));
  for (auto& f : findings) {
    if (f.severity < Severity::medium) continue;
    if (f.evidence.contains("ioc") && f.evidence["ioc"].is_object())
      add(string_at(f.evidence["ioc"], "type"), string_at(f.evidence["ioc"], "value"));
    add(string_at(f.evidence, "indicator_type"), string_at(f.evidence, "indicator"));
    if (f.kind == "ssh_key" && f.evidence.contains("text"))
      if (auto fp = ssh_key_fingerprint(string_at(f.evidence, "text"))) add("ssh_key", *fp);
  }
  for (auto& r : store.query("SELECT data FROM miners WHERE case_id=?", {h.case_id})) {
    auto m = json_column(r["data"]);
    if (!m.is_object()) continue;
    if (m["wallets"].is_array())
      for (auto& w : m["wallets"]) add("wallet", w.is_object() ? string_at(w, "address") : std::string());
    if (m["pools"].is_array())
      for (auto& p : m["pools"]) add("domain", p.is_object() ? string_at(p, "host") : std::string());
    add("sha256", string_at(m, "exe_sha256"));
  }
}

}  // namespace

nlohmann::json FleetHost::to_json() const {
  return {{"host", name},         {"case_uuid", case_uuid},   {"verdict", verdict},      {"severity", severity},
          {"findings", findings}, {"miners", miners},         {"families", families},    {"wallets", wallets},
          {"pools", pools},       {"steps_done", steps_done}, {"steps_late", steps_late}};
}

nlohmann::json Campaign::to_json() const {
  nlohmann::json l = nlohmann::json::array();
  for (auto& x : links) l.push_back({{"type", x.type}, {"value", x.value}, {"hosts", x.hosts}});
  return {{"hosts", hosts}, {"links", l}};
}

nlohmann::json FleetView::to_json() const {
  nlohmann::json h = nlohmann::json::array(), c = nlohmann::json::array();
  for (auto& x : hosts) h.push_back(x.to_json());
  for (auto& x : campaigns) c.push_back(x.to_json());
  return {{"hosts", h}, {"campaigns", c}};
}

FleetView build_fleet_view(const CaseStore& store, const nlohmann::json& steps_def, int64_t now) {
  FleetView v;
  for (auto& merged : merged_hosts(store)) {
    FleetHost h;
    h.name = merged.name;
    h.case_uuid = merged.case_uuid;
    h.case_id = merged.case_id;
    auto findings = host_findings(store, h.case_id);
    h.findings = findings.size();
    auto verdict = raise_for_ioc_matches(attack_chain_verdict(findings), findings);
    h.verdict = verdict.case_name;
    h.severity = verdict.severity ? std::string(to_string(*verdict.severity)) : "none";
    for (auto& m : store.query("SELECT family, data FROM miners WHERE case_id=?", {h.case_id})) {
      auto d = json_column(m["data"]);
      h.families.insert(string_at(m, "family", "unknown"));
      if (d.is_object() && d["wallets"].is_array())
        for (auto& w : d["wallets"]) h.wallets.insert(w.is_object() ? string_at(w, "address") : std::string());
      if (d.is_object() && d["pools"].is_array())
        for (auto& p : d["pools"])
          if (p.is_object())
            h.pools.insert(string_at(p, "host") + (p["port"].is_number() ? ":" + p["port"].dump() : std::string()));
    }
    h.miners =
        store.query("SELECT DISTINCT COALESCE(exe_sha256, exe) AS m FROM miners WHERE case_id=?", {h.case_id}).size();
    collect_links(store, h, findings);
    for (auto& w : h.links["wallet"]) h.wallets.insert(w);
    h.wallets.erase("");
    auto tl = build_timeline(store, h.case_id, steps_def, now);
    for (auto& s : tl.steps) {
      if (s.state == "done") h.steps_done.push_back(s.id);
      if (s.late) h.steps_late.push_back(s.id);
    }
    v.hosts.push_back(std::move(h));
  }

  // Campaigns: hosts joined by any indicator two of them share (connected groups).
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> holders;
  for (size_t i = 0; i < v.hosts.size(); ++i)
    for (auto& [type, values] : v.hosts[i].links)
      for (auto& value : values) holders[{type, value}].push_back(i);
  std::vector<size_t> group(v.hosts.size());
  for (size_t i = 0; i < group.size(); ++i) group[i] = i;
  std::function<size_t(size_t)> root = [&](size_t i) { return group[i] == i ? i : group[i] = root(group[i]); };
  for (auto& [key, hs] : holders)
    for (size_t k = 1; k < hs.size(); ++k) group[root(hs[k])] = root(hs[0]);
  std::map<size_t, Campaign> by_root;
  for (auto& [key, hs] : holders) {
    if (hs.size() < 2) continue;
    CampaignLink link{key.first, key.second, {}};
    for (auto i : hs) link.hosts.push_back(v.hosts[i].name);
    by_root[root(hs[0])].links.push_back(std::move(link));
  }
  for (auto& [r, c] : by_root) {
    for (size_t i = 0; i < v.hosts.size(); ++i)
      if (root(i) == r) c.hosts.push_back(v.hosts[i].name);
    v.campaigns.push_back(std::move(c));
  }
  return v;
}

}  // namespace unmine
