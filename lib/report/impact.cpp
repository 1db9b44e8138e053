#include "report/impact.h"

#include <cmath>
#include <map>
#include <set>

namespace unmine {
namespace {

double number(const nlohmann::json& obj, const char* key) {
  return obj.contains(key) && obj[key].is_number() ? obj[key].get<double>() : 0.0;
}

}  // namespace

nlohmann::json estimate_impact(const std::vector<nlohmann::json>& observations, double cost,
                               const std::string& currency) {
  // A process is (pid, start time): its counters only grow, so its last word is the highest.
  std::map<std::pair<int64_t, int64_t>, double> cpu;
  std::map<std::pair<int64_t, int64_t>, double> rss;
  std::set<std::string> remotes;
  for (auto& m : observations) {
    auto& d = m["data"];
    auto key = std::make_pair(d.value("pid", int64_t{0}), d.value("started_at", int64_t{0}));
    cpu[key] = std::max(cpu[key], number(d, "cpu_seconds"));
    for (auto* k : {"rss_bytes", "memory_rss_bytes", "vm_rss_bytes"}) rss[key] = std::max(rss[key], number(d, k));
    if (d.contains("connections") && d["connections"].is_array())
      for (auto& c : d["connections"])
        remotes.insert(c.value("remote", std::string()) + ":" + std::to_string(c.value("remote_port", 0)));
  }
  double cpu_seconds = 0, rss_total = 0;
  for (auto& [k, v] : cpu) cpu_seconds += v;
  for (auto& [k, v] : rss) rss_total += v;
  double vcpu_hours = cpu_seconds / 3600.0;
  nlohmann::json j = {
      {"processes", cpu.size()},
      {"cpu_seconds", std::round(cpu_seconds * 100) / 100},
      {"vcpu_hours", vcpu_hours},
      {"cost_per_vcpu_hour", cost},
      {"currency", currency},
      {"estimated_cost", std::round(vcpu_hours * cost * 10000) / 10000},
      {"memory_rss_bytes", rss_total > 0 ? nlohmann::json(static_cast<int64_t>(rss_total)) : nlohmann::json(nullptr)},
      {"pool_endpoints", remotes},
      {"basis",
       "CPU time of each miner process when the case last observed it (identify, preserve, kill); "
       "a lower bound: time before the first observation of a restarted process is not counted"}};
  return j;
}

}  // namespace unmine
