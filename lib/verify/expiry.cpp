#include "verify/expiry.h"

#include "core/iso8601.h"

namespace unmine {

std::optional<int64_t> parse_iso8601_utc(std::string_view text) {
  // The scheduled command carries what --schedule wrote: UTC, marked with Z. Anything else was edited.
  if (!text.ends_with('Z') || text.find('T') == std::string_view::npos) return std::nullopt;
  return parse_iso8601(text);
}

}  // namespace unmine
