#include "hunt/window.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "case/case_store.h"
#include "core/text.h"

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

std::optional<int64_t> parse_relative(std::string_view s, int64_t now) {
  if (s.size() < 2) return std::nullopt;
  int64_t n = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size() - 1, n);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size() - 1 || n < 0) return std::nullopt;
  int64_t unit = 0;
  switch (s.back()) {
    case 's': unit = 1; break;
    case 'm': unit = 60; break;
    case 'h': unit = 3600; break;
    case 'd': unit = 86400; break;
    case 'w': unit = 7 * 86400; break;
    default: return std::nullopt;
  }
  if (n > (int64_t{1} << 40) / unit) return std::nullopt;
  return now - n * unit;
}

std::optional<int64_t> parse_iso(std::string_view s) {
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
      offset = sign * (oh * 3600 + om * 60);
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

}  // namespace

std::optional<int64_t> parse_since(std::string_view text, int64_t now) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (text.size() >= 10 && text[4] == '-') return parse_iso(text);
  return parse_relative(text, now);
}

HuntWindow compute_window(std::optional<int64_t> since, const std::vector<IncidentSign>& signs, int64_t now) {
  HuntWindow w;
  w.end = now;
  if (since) {
    w.start = *since;
    w.basis = "since";
    return w;
  }
  // Signs at 0 or in the future are clock garbage (or a faked timestamp): they cannot bound the window.
  std::vector<IncidentSign> usable;
  for (auto& s : signs)
    if (s.at > 0 && s.at <= now + 300) usable.push_back(s);
  auto first = std::min_element(usable.begin(), usable.end(), [](auto& a, auto& b) { return a.at < b.at; });
  if (first != usable.end()) {
    w.start = first->at;
    w.basis = "incident";
    w.first_sign = printable(first->what);
    return w;
  }
  w.start = now - kDefaultWindowSeconds;
  w.basis = "default";
  return w;
}

nlohmann::json HuntWindow::to_json() const {
  nlohmann::json j{{"start", iso8601(start)}, {"end", iso8601(end)}, {"basis", basis}};
  if (!first_sign.empty()) j["first_sign"] = first_sign;
  return j;
}

std::string HuntWindow::describe() const {
  std::string s = "compromise window " + iso8601(start) + " .. " + iso8601(end);
  if (basis == "since") s += " (from --since)";
  else if (basis == "incident") s += " (from the incident's first sign: " + first_sign + ")";
  else s += " (nothing known about the incident: default, the last 7 days)";
  return s;
}

}  // namespace unmine
