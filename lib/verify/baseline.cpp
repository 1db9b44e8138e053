#include "verify/baseline.h"

#include "case/indicators_store.h"

namespace unmine {
namespace {

std::vector<RecordedAction> active_actions(const CaseStore& store, const std::string& like) {
  std::vector<RecordedAction> out;
  for (auto& row : store.query("SELECT id, kind, target, before, after, undo FROM actions WHERE case_id=? AND kind LIKE ?"
                               " AND status='done' AND undone_at IS NULL ORDER BY id",
                               {store.case_id(), like})) {
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
  for (auto& row : store.query("SELECT value FROM indicators WHERE case_id=? AND type='cmdline'", {store.case_id()}))
    if (auto v = row["value"].get<std::string>(); !v.empty()) b.cmdline_patterns.push_back(v);
  for (auto& row : store.query("SELECT sha256, size FROM evidence WHERE case_id=? AND kind='exe' AND status='stored'"
                               " AND sha256 IS NOT NULL",
                               {store.case_id()}))
    b.exe_sizes[row["sha256"].get<std::string>()] = row["size"].is_number() ? row["size"].get<uint64_t>() : 0;
  b.unpersisted = active_actions(store, "unpersist.%");
  b.blocks = active_actions(store, "block.%");
  b.saw_tuning = !store.query("SELECT 1 FROM findings WHERE case_id=? AND group_name='system_optimization' LIMIT 1",
                              {store.case_id()})
                      .empty();
  return b;
}

}  // namespace unmine
