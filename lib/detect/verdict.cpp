#include "detect/verdict.h"

#include <algorithm>

namespace unmine {

nlohmann::json Verdict::to_json() const {
  nlohmann::json groups_json = nlohmann::json::array();
  for (auto g : groups) groups_json.push_back(to_string(g));
  return {{"case", case_name},
          {"severity", severity ? std::string(to_string(*severity)) : std::string("none")},
          {"groups", groups_json}};
}

Verdict attack_chain_verdict(const std::vector<Finding>& findings) {
  bool present[7] = {};
  for (auto& f : findings)
    // A new persistence entry is shown for a human to judge: it is no evidence of mining.
    if (f.severity > Severity::info && f.entry_class != "new") present[static_cast<int>(f.group)] = true;
  Verdict v;
  for (int g = 0; g < 7; ++g)
    if (present[g]) v.groups.push_back(static_cast<Group>(g));
  auto has = [&](Group g) { return present[static_cast<int>(g)]; };
  bool chain = has(Group::miner) && has(Group::pool);
  if (chain && has(Group::persistence) && has(Group::system_optimization)) {
    v.case_name = "Advanced Cryptomining Operation";
    v.severity = Severity::critical;
  } else if (chain && has(Group::persistence)) {
    v.case_name = "Persistent Cryptomining";
    v.severity = Severity::high;
  } else if (chain) {
    v.case_name = "Active Cryptomining";
    v.severity = Severity::medium;
  } else if (!v.groups.empty()) {
    v.case_name = "Suspicious Activity";
    v.severity = Severity::low;
  } else {
    v.case_name = "No Mining Activity";
  }
  // Hiding makes a mining chain graver; without a miner and its pool it is one more suspicious sign, never
  // more (a packaged preload library, a renamed process).
  if (chain && has(Group::hiding)) v.severity = raise(*v.severity);
  return v;
}

ExitCode exit_code_for(std::optional<Severity> s) {
  if (!s || *s == Severity::info) return ExitCode::ok;
  return static_cast<ExitCode>(static_cast<int>(ExitCode::found_low) + static_cast<int>(*s) - 1);
}

}  // namespace unmine
