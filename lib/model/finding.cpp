#include "model/finding.h"

#include <algorithm>
#include <array>
#include <map>

#include "core/hashing.h"

namespace unmine {
namespace {

constexpr std::array<std::string_view, 5> kSeverities = {"info", "low", "medium", "high", "critical"};
constexpr std::array<std::string_view, 7> kGroups = {"miner",  "pool",    "persistence", "system_optimization",
                                                     "hiding", "tooling", "entry_vector"};

}  // namespace

std::string_view to_string(Severity s) { return kSeverities[static_cast<size_t>(s)]; }

std::optional<Severity> parse_severity(std::string_view s) {
  for (size_t i = 0; i < kSeverities.size(); ++i)
    if (kSeverities[i] == s) return static_cast<Severity>(i);
  return std::nullopt;
}

Severity raise(Severity s, int steps) {
  return static_cast<Severity>(std::min(static_cast<int>(s) + steps, static_cast<int>(Severity::critical)));
}

std::string_view to_string(Group g) { return kGroups[static_cast<size_t>(g)]; }

std::optional<Group> parse_group(std::string_view s) {
  for (size_t i = 0; i < kGroups.size(); ++i)
    if (kGroups[i] == s) return static_cast<Group>(i);
  return std::nullopt;
}

nlohmann::json Finding::to_json() const {
  nlohmann::json j{
      {"id", id}, {"group", to_string(group)}, {"kind", kind}, {"severity", to_string(severity)}, {"summary", summary}};
  if (pid) j["pid"] = *pid;
  if (path) j["path"] = *path;
  if (line) j["line"] = *line;
  if (!entry_class.empty()) j["class"] = entry_class;
  j["evidence"] = evidence;
  return j;
}

Finding Finding::from_json(const nlohmann::json& j) {
  Finding f;
  f.id = j.at("id").get<std::string>();
  f.group = parse_group(j.at("group").get<std::string>()).value_or(Group::miner);
  f.kind = j.at("kind").get<std::string>();
  f.severity = parse_severity(j.at("severity").get<std::string>()).value_or(Severity::info);
  f.summary = j.value("summary", "");
  if (j.contains("pid")) f.pid = j["pid"].get<int>();
  if (j.contains("path")) f.path = j["path"].get<std::string>();
  if (j.contains("line")) f.line = j["line"].get<int>();
  f.evidence = j.value("evidence", nlohmann::json::object());
  // A finding read back from a case keeps its class in the evidence (the findings table has no column).
  f.entry_class = j.value("class", f.evidence.is_object() ? f.evidence.value("class", "") : "");
  return f;
}

std::string make_finding_id(std::string_view kind, std::string_view key) {
  std::string buf;
  buf.reserve(kind.size() + key.size() + 1);
  buf.append(kind).push_back('\0');
  buf.append(key);
  return "F-" + sha256_hex(buf).substr(0, 16);
}

Finding make_finding(Group group, std::string kind, Severity severity, std::string summary, std::string_view key) {
  Finding f;
  f.id = make_finding_id(kind, key);
  f.group = group;
  f.kind = std::move(kind);
  f.severity = severity;
  f.summary = std::move(summary);
  return f;
}

std::vector<Finding> dedupe(std::vector<Finding> findings) {
  std::vector<Finding> out;
  std::map<std::string, size_t> seen;
  for (auto& f : findings) {
    auto [it, fresh] = seen.emplace(f.id, out.size());
    if (fresh)
      out.push_back(std::move(f));
    else if (f.severity > out[it->second].severity)
      out[it->second].severity = f.severity;
  }
  return out;
}

std::optional<Severity> highest(const std::vector<Finding>& findings) {
  std::optional<Severity> h;
  for (auto& f : findings)
    if (!h || f.severity > *h) h = f.severity;
  return h;
}

nlohmann::json findings_json(const std::vector<Finding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& f : findings) out.push_back(f.to_json());
  return out;
}

}  // namespace unmine
