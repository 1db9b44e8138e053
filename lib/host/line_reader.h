#pragma once
// A text read line by line through a fixed buffer: a table of any size (a hostile or very busy host's
// /proc/net/tcp of hundreds of MiB) costs the buffer, never the file.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace unmine {

struct LineReadStats {
  uint64_t lines = 0;       // lines handed to the callback
  uint64_t too_long = 0;    // lines longer than the limit: skipped, never cut into pieces
  bool read_error = false;  // a read failed part way (the lines before it were handed over)
};

// Calls on_line for each line of fd (without its '\n'; a last line without one counts) until the end or
// until on_line returns false. Lines longer than max_line bytes are skipped and counted.
LineReadStats read_lines(int fd, size_t max_line, const std::function<bool(std::string_view)>& on_line);

}  // namespace unmine
