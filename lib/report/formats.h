#pragma once
// The report formats, in one table (formats.cpp): `unmine report --format NAME` and its help come from it.
// Adding a format: a renderer file (render_NAME.cpp, declared in render.h) and one line in the table.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace unmine {

struct ReportFormat {
  std::string_view name;         // --format NAME
  std::string_view description;  // for --help
  // The report as the file's content.
  std::string (*render)(const nlohmann::json& report);
  // For a JSON format, the document --json prints on stdout; null: a text format, wrapped as
  // {"format", "content"}.
  nlohmann::json (*document)(const nlohmann::json& report) = nullptr;
};

const std::vector<ReportFormat>& report_formats();
// nullptr for an unknown name.
const ReportFormat* find_report_format(std::string_view name);
// "md, html, json, stix, timeline".
std::string report_format_names();

}  // namespace unmine
