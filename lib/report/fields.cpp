#include "report/fields.h"

#include <cmath>

namespace unmine {

std::string display(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g", v.get<double>());
    return buf;
  }
  if (v.is_array()) {
    std::string out;
    for (auto& x : v) out += (out.empty() ? "" : ", ") + display(x);
    return out;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string field(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) return "-";
  return display(obj[key]);
}

std::string human_seconds(double seconds) {
  auto s = static_cast<long long>(std::llround(seconds));
  char buf[64];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%lldm %02llds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}

}  // namespace unmine
