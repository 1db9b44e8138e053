#include "verify/baseline.h"

#include "case/action_log.h"
#include "case/case_reader.h"
#include "case/evidence_log.h"
#include "case/indicators_store.h"

namespace unmine {
namespace {

std::vector<RecordedAction> active_actions(const CaseStore& store, const std::string& prefix) {
  std::vector<RecordedAction> out;
  for (auto& row : ActionLog::rows(store, ActionFilter::in_force(prefix, {"done"}))) {
    out.push_back({row["id"].get<int64_t>(), row["kind"].get<std::string>(), json_column(row["target"]),
                   json_column(row["before"]), json_column(row["after"]), json_column(row["undo"])});
  }
  return out;
}

}  // namespace

std::set<std::string> CaseBaseline::exe_hashes() const {
  auto out = indicators.sha256s;
  for (auto& [hash, size] : exe_sizes) out.insert(hash);
  return out;
}

bool CaseBaseline::empty() const {
  return indicators.empty() && cmdline_patterns.empty() && exe_sizes.empty() && unpersisted.empty() && blocks.empty();
}

CaseBaseline CaseBaseline::from_case(const CaseStore& store) {
  CaseBaseline b;
  b.indicators = load_indicators(store);
  for (auto& v : indicator_values(store, "cmdline"))
    if (!v.empty()) b.cmdline_patterns.push_back(v);
  b.exe_sizes = EvidenceLog::stored_exe_sizes(store);
  b.unpersisted = active_actions(store, "unpersist.");
  b.blocks = active_actions(store, "block.");
  b.saw_tuning = has_finding_in_group(store, "system_optimization");
  return b;
}

}  // namespace unmine
