#pragma once
// Durations as a responder types them: "30s", "10m", "1h", "72h", "3d", "1h30m"; a bare number is seconds.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace unmine {

std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// The shortest of those forms ("1h30m", "72h", "45s").
std::string format_duration(std::chrono::seconds d);

}  // namespace unmine
