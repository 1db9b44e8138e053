#include "report/report_outline.h"

#include "report/fleet_tables.h"

namespace unmine {

std::vector<ReportSection> report_sections(const nlohmann::json& r) {
  std::vector<ReportSection> sections;
  // A fleet case (merged hosts) opens with its hosts, the campaigns linking them and which host has which link.
  if (r.contains("fleet"))
    sections = {
        {"fleet", "Fleet", {fleet_hosts_table(r)}},
        {"campaigns", "Campaigns", {campaigns_table(r)}},
        {"fleet-grid", "Hosts × indicators", {fleet_grid_table(r)}},
    };
  std::vector<ReportSection> every_case = {
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
  sections.insert(sections.end(), std::make_move_iterator(every_case.begin()),
                  std::make_move_iterator(every_case.end()));
  return sections;
}

}  // namespace unmine
