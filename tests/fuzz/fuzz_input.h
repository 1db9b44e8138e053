#pragma once
// What every fuzz target shares: the input as text, and a selector byte for targets that feed one input
// to one of several parsers (the first byte picks, the rest is the text).
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace unmine::fuzz {

inline std::string_view text(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

struct Selected {
  unsigned which = 0;
  std::string_view rest;
};

inline Selected select(const uint8_t* data, size_t size, unsigned choices) {
  if (size == 0) return {0, {}};
  return {static_cast<unsigned>(data[0]) % choices, text(data + 1, size - 1)};
}

}  // namespace unmine::fuzz
