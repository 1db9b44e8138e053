#pragma once
// The compromise window hunt looks in: from the incident's first sign (earliest miner start, the file
// times of its binaries, configs and persistence) to now. `--since` overrides; with nothing known the
// window is the last 7 days, and the output says so.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unmine {

// One dated observation that bounds the window ("miner pid 4242 started", "/tmp/.x/xmrig mtime").
struct IncidentSign {
  int64_t at = 0;  // unix seconds
  std::string what;
};

struct HuntWindow {
  int64_t start = 0;
  int64_t end = 0;
  std::string basis;       // "since" | "incident" | "default"
  std::string first_sign;  // what set the start (basis incident), printable

  // A small slack after `end` keeps files written while hunt runs inside.
  bool contains(int64_t t) const { return t >= start && t <= end + 300; }
  nlohmann::json to_json() const;
  std::string describe() const;  // one line for the terminal
};

inline constexpr int64_t kDefaultWindowSeconds = int64_t{7} * 24 * 3600;

// "2026-11-20T10:00:00Z", "2026-11-20T12:00:00+02:00", "2026-11-20 10:00", "2026-11-20" (UTC unless an
// offset is given) or a span back from now: "48h", "30m", "7d", "2w", "90s". nullopt when malformed.
std::optional<int64_t> parse_since(std::string_view text, int64_t now);

// The window from --since (when given), else the earliest sign, else the default span.
HuntWindow compute_window(std::optional<int64_t> since, const std::vector<IncidentSign>& signs, int64_t now);

}  // namespace unmine
