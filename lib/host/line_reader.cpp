#include "host/line_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace unmine {

LineReadStats read_lines(int fd, size_t max_line, const std::function<bool(std::string_view)>& on_line) {
  LineReadStats stats;
  // Room for one whole line of the limit plus its newline, and a chunk after it.
  std::vector<char> buf(std::max<size_t>(max_line + 1, size_t{64} * 1024) * 2);
  size_t held = 0;        // bytes of an unfinished line at the start of buf
  bool skipping = false;  // inside a line already known to be too long: drop bytes up to its newline
  for (;;) {
    auto n = ::read(fd, buf.data() + held, buf.size() - held);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) stats.read_error = true;
    if (n <= 0) break;
    size_t end = held + static_cast<size_t>(n), start = 0;
    for (;;) {
      auto* nl = static_cast<char*>(std::memchr(buf.data() + start, '\n', end - start));
      if (!nl) break;
      size_t len = static_cast<size_t>(nl - buf.data()) - start;
      if (skipping) {
        skipping = false;
      } else if (len > max_line) {
        ++stats.too_long;
      } else {
        ++stats.lines;
        if (!on_line(std::string_view(buf.data() + start, len))) return stats;
      }
      start += len + 1;
    }
    held = end - start;
    if (held > max_line) {  // no newline within the limit: the line is dropped whole
      if (!skipping) ++stats.too_long;
      skipping = true;
      held = 0;
    } else if (start > 0) {
      std::memmove(buf.data(), buf.data() + start, held);
    }
  }
  if (held > 0 && !skipping) {
    ++stats.lines;
    on_line(std::string_view(buf.data(), held));
  }
  return stats;
}

}  // namespace unmine
