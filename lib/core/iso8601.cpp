#include "core/iso8601.h"

#include <charconv>
#include <ctime>

namespace unmine {
namespace {

bool take_int(std::string_view& s, size_t digits, int& out) {
  if (s.size() < digits) return false;
  auto r = std::from_chars(s.data(), s.data() + digits, out);
  if (r.ec != std::errc{} || r.ptr != s.data() + digits) return false;
  s.remove_prefix(digits);
  return true;
}

bool take_char(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

std::optional<int64_t> parse_iso8601(std::string_view s) {
  struct tm tm {};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!take_int(s, 4, y) || !take_char(s, '-') || !take_int(s, 2, mo) || !take_char(s, '-') || !take_int(s, 2, d))
    return std::nullopt;
  int64_t offset = 0;
  if (!s.empty()) {
    if (!take_char(s, 'T') && !take_char(s, ' ')) return std::nullopt;
    if (!take_int(s, 2, h) || !take_char(s, ':') || !take_int(s, 2, mi)) return std::nullopt;
    if (take_char(s, ':') && !take_int(s, 2, sec)) return std::nullopt;
    if (take_char(s, '.'))
      while (!s.empty() && s.front() >= '0' && s.front() <= '9') s.remove_prefix(1);
    if (take_char(s, 'Z')) {
    } else if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
      int sign = s.front() == '-' ? -1 : 1;
      s.remove_prefix(1);
      int oh = 0, om = 0;
      if (!take_int(s, 2, oh)) return std::nullopt;
      take_char(s, ':');
      if (!s.empty() && !take_int(s, 2, om)) return std::nullopt;
      offset = sign * (int64_t{oh} * 3600 + int64_t{om} * 60);
    }
    if (!s.empty()) return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(::timegm(&tm)) - offset;
}

std::string iso8601(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace unmine
