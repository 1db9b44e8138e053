#pragma once
// The end of a scheduled monitoring window, as the scheduled command carries it (--expire-after).
#include <cstdint>
#include <optional>
#include <string_view>

namespace unmine {

// "2026-11-26T12:00:00Z" (fractional seconds allowed) -> unix seconds; nullopt when malformed.
std::optional<int64_t> parse_iso8601_utc(std::string_view text);

}  // namespace unmine
