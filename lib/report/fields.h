#pragma once
// Reading the report document's fields as display text (strings as they are, numbers printed, null as "-").
#include <nlohmann/json.hpp>
#include <string>

namespace unmine {

std::string field(const nlohmann::json& obj, const char* key);
std::string display(const nlohmann::json& value);
// "1h 05m" from seconds.
std::string human_seconds(double seconds);

}  // namespace unmine
