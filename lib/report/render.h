#pragma once
// Renderers of the report document (report_model.h), one file each: Markdown, self-contained HTML,
// STIX 2.1 bundle, timeline JSON lines. Every case string is escaped for its format.
#include <nlohmann/json.hpp>
#include <string>

namespace unmine {

std::string render_markdown(const nlohmann::json& report);
std::string render_html(const nlohmann::json& report);
nlohmann::json render_stix(const nlohmann::json& report);
std::string render_timeline(
    const nlohmann::json& report);  // JSON lines (Timesketch: datetime, timestamp_desc, message)

}  // namespace unmine
