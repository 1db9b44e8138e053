#include "report/timestamps.h"

#include <cmath>
#include <cstdlib>

#include "case/case_store.h"
#include "verify/expiry.h"

namespace unmine {

std::optional<double> unix_seconds(std::string_view iso) {
  auto whole = parse_iso8601_utc(iso);
  if (!whole) return std::nullopt;
  double frac = 0;
  if (auto dot = iso.find('.'); dot != std::string_view::npos && dot > 18) {
    std::string digits(iso.substr(dot, iso.size() - dot - 1));
    frac = std::strtod(digits.c_str(), nullptr);
  }
  return static_cast<double>(*whole) + frac;
}

std::optional<std::string> as_iso(const nlohmann::json& v) {
  if (v.is_string()) {
    auto s = v.get<std::string>();
    if (unix_seconds(s)) return s;
    return std::nullopt;
  }
  if (v.is_number() && v.get<double>() > 0) return iso8601(static_cast<int64_t>(std::floor(v.get<double>())));
  return std::nullopt;
}

}  // namespace unmine
