#include "case/indicators_store.h"

#include <charconv>

namespace unmine {

IncidentIndicators load_indicators(const CaseStore& store) {
  IncidentIndicators out;
  for (auto& row : store.query("SELECT type, value FROM indicators WHERE case_id=?", {store.case_id()})) {
    auto type = row["type"].get<std::string>();
    auto value = row["value"].get<std::string>();
    if (type == "path")
      out.paths.insert(value);
    else if (type == "dir")
      out.dirs.insert(value);
    else if (type == "name")
      out.names.insert(value);
    else if (type == "sha256")
      out.sha256s.insert(value);
    else if (type == "domain")
      out.domains.insert(value);
    else if (type == "ipv4" || type == "ipv6")
      out.ips.insert(value);
    else if (type == "wallet")
      out.wallets.insert(value);
    else if (type == "port") {
      unsigned p = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), p).ec == std::errc{} && p < 65536)
        out.ports.insert(static_cast<uint16_t>(p));
    } else if (type == "inode") {
      auto colon = value.find(':');
      uint64_t dev = 0, ino = 0;
      if (colon != std::string::npos && std::from_chars(value.data(), value.data() + colon, dev).ec == std::errc{} &&
          std::from_chars(value.data() + colon + 1, value.data() + value.size(), ino).ec == std::errc{})
        out.inodes.insert({dev, ino});
    }
  }
  return out;
}

void record_indicators(CaseStore& store, const IncidentIndicators& in, const std::string& source) {
  auto put = [&](const char* type, const std::string& v) {
    store.record_indicator(type, v, nlohmann::json::object(), source);
  };
  for (auto& v : in.paths) put("path", v);
  for (auto& v : in.dirs) put("dir", v);
  for (auto& v : in.names) put("name", v);
  for (auto& v : in.sha256s) put("sha256", v);
  for (auto& v : in.domains) put("domain", v);
  for (auto& v : in.ips) put(v.find(':') != std::string::npos ? "ipv6" : "ipv4", v);
  for (auto p : in.ports) put("port", std::to_string(p));
  for (auto& v : in.wallets) put("wallet", v);
  for (auto& [dev, ino] : in.inodes) put("inode", std::to_string(dev) + ":" + std::to_string(ino));
}

std::vector<std::string> indicator_values(const CaseStore& store, const std::string& type) {
  std::vector<std::string> out;
  for (auto& row : store.query("SELECT value FROM indicators WHERE case_id=? AND type=?", {store.case_id(), type}))
    out.push_back(row["value"].get<std::string>());
  return out;
}

std::optional<std::pair<int64_t, std::string>> first_incident_sign(const CaseStore& store) {
  std::optional<std::pair<int64_t, std::string>> first;
  for (auto& row : store.query("SELECT pid, exe, data FROM miners WHERE case_id=?", {store.case_id()})) {
    auto data = json_column(row["data"]);
    if (!data.is_object() || !data.contains("started_at") || !data["started_at"].is_number_integer()) continue;
    auto at = data["started_at"].get<int64_t>();
    if (at <= 0 || (first && first->first <= at)) continue;
    first = std::make_pair(at, "miner " + string_at(row, "exe") + " started");
  }
  return first;
}

}  // namespace unmine
