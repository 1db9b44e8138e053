#include "report/report_outline.h"

namespace unmine {

std::vector<ReportSection> report_sections(const nlohmann::json& r) {
  return {
      {"time-boxes", "Time boxes", {time_boxes_table(r), steps_table(r)}},
      {"timeline", "Timeline", {timeline_table(r)}},
      {"miners", "Miners", {miners_table(r)}},
      {"indicators", "Indicators", {indicators_table(r)}},
      {"findings", "Findings", {findings_table(r["findings"])}},
      {"entry-vector", "Entry vector", {findings_table(r["entry_vector"])}},
      {"tooling", "Tooling found", {findings_table(r["tooling"])}},
      {"evidence", "Evidence", {evidence_table(r)}},
      {"actions", "Actions", {actions_table(r)}},
      {"verification", "Verification history", {checks_table(r)}},
  };
}

}  // namespace unmine
