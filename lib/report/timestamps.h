#pragma once
// Case timestamps: ISO 8601 UTC text (with or without fractional seconds) and unix seconds.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace unmine {

// "2026-11-23T12:00:00Z" / "...:00.123456Z" -> unix seconds with fraction.
std::optional<double> unix_seconds(std::string_view iso);
// A case time column as ISO text: ISO strings pass, unix numbers are converted; nullopt otherwise.
std::optional<std::string> as_iso(const nlohmann::json& value);

}  // namespace unmine
