#include "report/iocs_stix.h"

#include <set>

#include "case/case_reader.h"
#include "report/render.h"

namespace unmine {

nlohmann::json iocs_stix(const CaseStore& store, const IocSet& iocs) {
  auto c = case_row(store);
  nlohmann::json indicators = nlohmann::json::array();
  for (auto& i : iocs.iocs)
    indicators.push_back(
        {{"type", i.type}, {"value", i.value}, {"context", i.context}, {"first_seen", c["created_at"]}});
  std::set<std::string> families;
  for (auto& r : miner_observations(store))
    if (auto family = string_at(json_column(r["data"]), "family"); !family.empty()) families.insert(family);
  nlohmann::json miners = nlohmann::json::array();
  for (auto& f : families) miners.push_back({{"family", f}});
  nlohmann::json doc = {{"case", {{"uuid", c["uuid"]}, {"created_at", c["created_at"]}, {"hostname", c["hostname"]}}},
                        {"report", {{"generated_at", now_iso8601()}}},
                        {"miners", miners},
                        {"evidence", {{"items", nlohmann::json::array()}}},
                        {"indicators", indicators},
                        {"tooling", nlohmann::json::array()}};
  return render_stix(doc);
}

}  // namespace unmine
