#include "verify/duration.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace unmine {

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i++] - '0');
      if (n > std::numeric_limits<int32_t>::max()) return std::nullopt;
    }
    int64_t unit = 1;
    if (i < text.size()) {
      switch (text[i++]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: return std::nullopt;
      }
    } else if (any) {
      return std::nullopt;  // "1h30" is ambiguous
    }
    total += n * unit;
    if (total > std::numeric_limits<int32_t>::max()) return std::nullopt;
    any = true;
  }
  return std::chrono::seconds(total);
}

std::string format_duration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out;
  for (auto [unit, suffix] : {std::pair<int64_t, char>{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}) {
    // Whole hours read better than days below a week ("72h" is the quickstart's figure).
    if (suffix == 'd' && s < int64_t{7} * 86400) continue;
    if (s >= unit) {
      out += std::to_string(s / unit) + suffix;
      s %= unit;
    }
  }
  return out;
}

}  // namespace unmine
