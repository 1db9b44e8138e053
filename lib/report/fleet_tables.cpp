#include "report/fleet_tables.h"

#include "report/fields.h"

namespace unmine {
namespace {

std::string listed(const nlohmann::json& a) {
  std::string s;
  if (a.is_array())
    for (auto& v : a) s += (s.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
  return s.empty() ? "-" : s;
}

}  // namespace

ReportTable fleet_hosts_table(const nlohmann::json& r) {
  ReportTable t{{"Host", "Verdict", "Severity", "Miners", "Families", "Wallets", "Pools", "Steps done", "Steps late"},
                {},
                {false, false, false, false, false, true, true, false, false}};
  if (!r.contains("fleet")) return t;
  for (auto& h : r["fleet"]["hosts"])
    t.rows.push_back({field(h, "host"), field(h, "verdict"), field(h, "severity"), field(h, "miners"),
                      listed(h["families"]), listed(h["wallets"]), listed(h["pools"]), listed(h["steps_done"]),
                      listed(h["steps_late"])});
  return t;
}

ReportTable campaigns_table(const nlohmann::json& r) {
  ReportTable t{{"Campaign", "Hosts", "Linked by"}, {}, {false, false, true}};
  if (!r.contains("fleet")) return t;
  size_t n = 0;
  for (auto& c : r["fleet"]["campaigns"]) {
    std::string links;
    for (auto& l : c["links"])
      links +=
          (links.empty() ? "" : "; ") + field(l, "type") + " " + field(l, "value") + " (" + listed(l["hosts"]) + ")";
    t.rows.push_back({std::to_string(++n), listed(c["hosts"]), links});
  }
  return t;
}

ReportTable fleet_grid_table(const nlohmann::json& r) {
  ReportTable t{{"Host"}, {}, {false}};
  if (!r.contains("fleet")) return t;
  std::vector<std::pair<std::string, nlohmann::json>> columns;  // label, hosts having it
  for (auto& c : r["fleet"]["campaigns"])
    for (auto& l : c["links"]) {
      auto v = field(l, "value");
      columns.emplace_back(field(l, "type") + " " + (v.size() > 16 ? v.substr(0, 12) + "…" : v), l["hosts"]);
    }
  for (auto& [label, hosts] : columns) {
    t.headers.push_back(label);
    t.long_values.push_back(true);
  }
  for (auto& h : r["fleet"]["hosts"]) {
    std::vector<std::string> row{field(h, "host")};
    for (auto& [label, hosts] : columns) {
      bool has = false;
      for (auto& x : hosts) has |= x == h["host"];
      row.emplace_back(has ? "x" : "");
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace unmine
