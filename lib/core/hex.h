#pragma once
#include <string>
#include <string_view>

namespace unmine {

inline std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// The bytes of lowercase or uppercase hex digits; false on an odd length or a non-digit (OpenSSL decodes).
bool from_hex(std::string_view hex, std::string& out);

}  // namespace unmine
