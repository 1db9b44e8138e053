#pragma once
// A finding: one observed indicator, as the contract (docs/contract.md, "Findings") defines it.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unmine {

enum class Severity { info = 0, low, medium, high, critical };

std::string_view to_string(Severity s);
std::optional<Severity> parse_severity(std::string_view s);
Severity raise(Severity s, int steps = 1);  // capped at critical

// contract groups of the attack-chain rule.
enum class Group { miner, pool, persistence, system_optimization, hiding, tooling, entry_vector };
std::string_view to_string(Group g);
std::optional<Group> parse_group(std::string_view s);

struct Finding {
  std::string id;  // stable for the same artifact across runs (see make_finding_id)
  Group group = Group::miner;
  std::string kind;  // contract kinds: process.cmdline, net.connection, cron, ...
  Severity severity = Severity::info;
  std::string summary;  // one line, printable
  std::optional<int> pid;
  std::optional<std::string> path;  // as seen inside the root
  std::optional<int> line;          // 1-based
  // Persistence entries: tied | malicious | new (contract "class"); empty for other findings.
  std::string entry_class;
  nlohmann::json evidence = nlohmann::json::object();  // the matched text, the rule

  nlohmann::json to_json() const;
  static Finding from_json(const nlohmann::json& j);
};

// id = "F-" + 16 hex of SHA-256(kind, key). The key names the artifact without volatile parts (no pid):
// e.g. exe path + cmdline for a process, path + line text for a cron line.
std::string make_finding_id(std::string_view kind, std::string_view key);

// Builds a finding with its id from (kind, key).
Finding make_finding(Group group, std::string kind, Severity severity, std::string summary, std::string_view key);

// Keeps one finding per id (the highest severity, evidence of the first), in a stable order.
std::vector<Finding> dedupe(std::vector<Finding> findings);
// The contract findings[] array.
nlohmann::json findings_json(const std::vector<Finding>& findings);

std::optional<Severity> highest(const std::vector<Finding>& findings);

}  // namespace unmine
