#include "hunt/window.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "case/case_store.h"
#include "core/iso8601.h"
#include "core/text.h"

namespace unmine {
namespace {

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
    case 'w': unit = int64_t{7} * 86400; break;
    default: return std::nullopt;
  }
  if (n > (int64_t{1} << 40) / unit) return std::nullopt;
  return now - n * unit;
}

}  // namespace

std::optional<int64_t> parse_since(std::string_view text, int64_t now) {
  text = trim(text);
  if (text.empty()) return std::nullopt;
  if (text.size() >= 10 && text[4] == '-') return parse_iso8601(text);
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
  if (basis == "since")
    s += " (from --since)";
  else if (basis == "incident")
    s += " (from the incident's first sign: " + first_sign + ")";
  else
    s += " (nothing known about the incident: default, the last 7 days)";
  return s;
}

}  // namespace unmine
