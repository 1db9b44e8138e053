#pragma once
// The report's two drawings as inline SVG: the timeline of events in lanes by kind, and each time box's
// progress (time used against its budget, late in red).
#include <nlohmann/json.hpp>
#include <string>

namespace unmine {

std::string svg_timeline(const nlohmann::json& events);
std::string svg_time_boxes(const nlohmann::json& time_boxes, const std::string& case_created_at,
                           const std::string& now);

}  // namespace unmine
