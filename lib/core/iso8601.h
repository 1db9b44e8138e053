#pragma once
// ISO 8601 times as the case records them ("2026-11-23T15:04:05.123456Z") and as a responder types them
// (--since 2026-11-20, "2026-11-20 08:00", "2026-11-20T08:00:00+02:00"): one parser for every reader.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace unmine {

// YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]][Z|(+|-)HH[:MM]]] -> unix seconds (no zone: UTC); nullopt when
// malformed or out of range. The fraction is dropped.
std::optional<int64_t> parse_iso8601(std::string_view text);

// Unix seconds as UTC, to the second ("2026-11-23T15:04:05Z").
std::string iso8601(int64_t unix_seconds);

}  // namespace unmine
