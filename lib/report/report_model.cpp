#include "report/report_model.h"

#include <ctime>
#include <map>
#include <set>

#include "case/action_log.h"
#include "case/case_reader.h"
#include "case/case_store.h"
#include "case/evidence_log.h"
#include "case/fleet_view.h"
#include "case/timeline.h"
#include "detect/verdict.h"
#include "report/impact.h"
#include "report/timeline_events.h"

namespace unmine {
namespace {

nlohmann::json parsed(const nlohmann::json& column) {
  if (!column.is_string()) return column;
  auto j = nlohmann::json::parse(column.get<std::string>(), nullptr, false);
  return j.is_discarded() ? column : j;
}

nlohmann::json case_info(const CaseStore& store) {
  auto row = case_row(store);
  row["schema_version"] = store.schema_version();
  return row;
}

nlohmann::json findings_section(const CaseStore& store) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& r : finding_rows(store)) {
    nlohmann::json f = {
        {"id", r["finding_id"]},         {"group", r["group_name"]},    {"kind", r["kind"]},
        {"severity", r["severity"]},     {"summary", r["summary"]},     {"evidence", parsed(r["evidence"])},
        {"first_seen", r["first_seen"]}, {"last_seen", r["last_seen"]}, {"times_seen", r["times_seen"]}};
    for (auto* k : {"pid", "path", "line"})
      if (!r[k].is_null()) f[k] = r[k];
    out.push_back(f);
  }
  return out;
}

// One miner per process (pid, start time): its latest description, and when the case first and last saw it.
nlohmann::json miner_rows(const std::vector<nlohmann::json>& observations) {
  std::map<std::pair<int64_t, int64_t>, nlohmann::json> by_process;
  std::vector<std::pair<int64_t, int64_t>> order;
  for (auto& o : observations) {
    auto& d = o["data"];
    if (!d.is_object()) continue;
    auto key = std::make_pair(d.value("pid", int64_t{0}), d.value("started_at", int64_t{0}));
    auto it = by_process.find(key);
    if (it == by_process.end()) {
      order.push_back(key);
      auto m = d;
      m["first_seen"] = o["seen_at"];
      m["last_seen"] = o["seen_at"];
      m["observations"] = 1;
      by_process.emplace(key, m);
      continue;
    }
    auto first = it->second["first_seen"];
    auto count = it->second["observations"].get<int>() + 1;
    it->second = d;
    it->second["first_seen"] = first;
    it->second["last_seen"] = o["seen_at"];
    it->second["observations"] = count;
  }
  nlohmann::json out = nlohmann::json::array();
  for (auto& k : order) out.push_back(by_process[k]);
  return out;
}

// Items the report lists: a case of 200,000 items is summed up (count, custody head) and its first items
// listed; the case itself (and its export's manifest) holds every one.
constexpr size_t kMaxListedItems = 10000;

nlohmann::json evidence_section(const CaseStore& store) {
  nlohmann::json items = nlohmann::json::array();
  for (auto& r : EvidenceLog::items(store, kMaxListedItems)) items.push_back(std::move(r));
  auto total = EvidenceLog::item_count(store);
  // The chain is checked record by record as it is read: never held whole.
  bool valid = true;
  uint64_t length = 0;
  std::string prev(64, '0');
  nlohmann::json head;
  for_each_custody_record(store, std::nullopt, [&](const nlohmann::json& c) {
    ++length;
    auto expect = custody_hash(prev, c["seq"].get<int64_t>(), c["at"].get<std::string>(), c["actor"].get<std::string>(),
                               c["event"].get<std::string>(), c["details"].get<std::string>());
    if (c["prev_hash"] != prev || c["hash"] != expect) valid = false;
    prev = c["hash"].get<std::string>();
    head = {{"hash", c["hash"]}, {"seq", c["seq"]}, {"at", c["at"]}};
  });
  nlohmann::json custody = {
      {"length", length}, {"chain_valid", valid}, {"head_hash", nullptr}, {"head_seq", nullptr}, {"head_at", nullptr}};
  if (length) {
    custody["head_hash"] = head["hash"];
    custody["head_seq"] = head["seq"];
    custody["head_at"] = head["at"];
  }
  auto archives = EvidenceLog::archives(store);
  return {{"items", items},
          {"items_total", total},
          {"items_left_out", total - static_cast<int64_t>(items.size())},
          {"archives", archives},
          {"custody", custody}};
}

nlohmann::json actions_section(const CaseStore& store) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& r : ActionLog::rows(store)) {
    r.erase("undo");  // what --remove needs, not part of the report
    for (auto* k : {"target", "before", "after"}) r[k] = parsed(r[k]);
    out.push_back(r);
  }
  return out;
}

nlohmann::json checks_section(const CaseStore& store) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& r : check_rows(store)) {
    r["verdict"] = parsed(r["verdict"]);
    r["findings"] = parsed(r["findings"]);
    if (!r["findings"].is_array()) r["findings"] = nlohmann::json::array();
    r["findings_count"] = r["findings"].size();
    out.push_back(r);
  }
  return out;
}

nlohmann::json in_group(const nlohmann::json& findings, const std::string& group) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& f : findings)
    if (f["group"] == group) out.push_back(f);
  return out;
}

}  // namespace

nlohmann::json build_report(const CaseStore& store, const ReportOptions& options, const nlohmann::json& steps_def) {
  nlohmann::json r;
  r["report"] = {{"format_version", 1}, {"generated_at", now_iso8601()}, {"generator", "unmine " UNMINE_VERSION}};
  r["case"] = case_info(store);

  auto steps = step_rows(store);
  for (auto& s : steps) s["argv"] = parsed(s["argv"]);
  r["steps"] = steps;
  auto progress = build_timeline(store, steps_def, static_cast<int64_t>(::time(nullptr))).to_json();
  r["time_boxes"] = progress["time_boxes"];
  if (auto fleet = build_fleet_view(store, steps_def, static_cast<int64_t>(::time(nullptr))); !fleet.empty())
    r["fleet"] = fleet.to_json();
  r["playbook_steps"] = progress["steps"];
  r["current_time_box"] = progress["current_time_box"];

  auto observations = miner_observations(store);
  for (auto& o : observations) o["data"] = parsed(o["data"]);
  r["miners"] = miner_rows(observations);
  r["indicators"] = indicator_rows(store);
  for (auto& i : r["indicators"]) i["context"] = parsed(i["context"]);
  r["findings"] = findings_section(store);
  r["entry_vector"] = in_group(r["findings"], "entry_vector");
  r["tooling"] = in_group(r["findings"], "tooling");
  r["evidence"] = evidence_section(store);
  r["actions"] = actions_section(store);
  r["checks"] = checks_section(store);
  r["impact"] = estimate_impact(observations, options.cost_per_vcpu_hour, options.currency);
  r["timeline"] = timeline_events(r);

  std::vector<Finding> all;
  nlohmann::json by_severity = {{"info", 0}, {"low", 0}, {"medium", 0}, {"high", 0}, {"critical", 0}};
  for (auto& f : r["findings"]) {
    all.push_back(Finding::from_json(f));
    by_severity[f["severity"].get<std::string>()] = by_severity.value(f["severity"].get<std::string>(), 0) + 1;
  }
  int undone = 0;
  for (auto& a : r["actions"]) undone += a["status"] == "undone";
  nlohmann::json current = nullptr;
  if (!r["checks"].empty()) {
    auto& last = r["checks"].back();
    current = {{"check_id", last["id"]},
               {"checked_at", last["started_at"]},
               {"clean", last["exit_code"] == 0},
               {"verdict", last["verdict"]}};
  }
  r["summary"] = {{"verdict", attack_chain_verdict(all).to_json()},
                  {"current", current},
                  {"miners", r["miners"].size()},
                  {"families", nlohmann::json::array()},
                  {"findings", r["findings"].size()},
                  {"findings_by_severity", by_severity},
                  {"indicators", r["indicators"].size()},
                  {"evidence_items", r["evidence"]["items_total"]},
                  {"actions", r["actions"].size()},
                  {"actions_undone", undone},
                  {"checks", r["checks"].size()}};
  std::set<std::string> families;
  for (auto& m : r["miners"]) families.insert(m.value("family", std::string("unknown")));
  r["summary"]["families"] = families;
  return r;
}

}  // namespace unmine
