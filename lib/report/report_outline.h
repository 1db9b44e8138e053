#pragma once
// The report's sections after the summary, in order, with their tables: one outline for every format that
// draws tables (Markdown, HTML). A renderer walks it and decides how a heading and a table are drawn, and
// what it adds to a section (HTML's charts, the custody line under evidence).
#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "report/report_tables.h"

namespace unmine {

struct ReportSection {
  std::string_view id;     // anchor: "time-boxes"
  std::string_view title;  // heading: "Time boxes"
  std::vector<ReportTable> tables;
};

std::vector<ReportSection> report_sections(const nlohmann::json& report);

}  // namespace unmine
