#pragma once
// How a case database is told apart from any other file: SQLite's header plus an application id of our
// own (PRAGMA application_id, bytes 68-71 of the header, big-endian). The case store writes it; hunt
// reads it to pass over other case folders, whose evidence holds the very miners a case preserved.
#include <cstdint>
#include <string_view>

namespace unmine {

inline constexpr uint32_t kCaseApplicationId = 0x756e6d6e;  // "unmn"
inline constexpr std::string_view kCaseDatabaseName = "case.db";

// The first 72 or more bytes of a file: true when they are a case database's header.
inline bool is_case_database_header(std::string_view head) {
  if (head.size() < 72 || head.substr(0, 16) != std::string_view("SQLite format 3\0", 16)) return false;
  auto b = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(head[i])); };
  return (b(68) << 24 | b(69) << 16 | b(70) << 8 | b(71)) == kCaseApplicationId;
}

}  // namespace unmine
