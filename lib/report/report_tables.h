#pragma once
// The report's tables as display text, one function a section, so every format shows the same columns;
// each renderer only decides how a table is drawn (HTML, Markdown).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace unmine {

struct ReportTable {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> long_values;  // columns of paths, hashes, addresses: set in monospace where it can be
};

ReportTable time_boxes_table(const nlohmann::json& report);
ReportTable steps_table(const nlohmann::json& report);
ReportTable timeline_table(const nlohmann::json& report);
ReportTable miners_table(const nlohmann::json& report);
ReportTable indicators_table(const nlohmann::json& report);
ReportTable findings_table(const nlohmann::json& findings);  // report["findings"], ["entry_vector"], ["tooling"]
ReportTable evidence_table(const nlohmann::json& report);
ReportTable actions_table(const nlohmann::json& report);
ReportTable checks_table(const nlohmann::json& report);

}  // namespace unmine
