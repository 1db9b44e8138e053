#pragma once
// The attack-chain verdict (docs/contract.md) and the exit code of detecting commands.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/finding.h"

namespace unmine {

struct Verdict {
  std::string case_name;             // "Advanced Cryptomining Operation", ..., "No Mining Activity"
  std::optional<Severity> severity;  // none when nothing was found
  std::vector<Group> groups;         // groups present among findings, in contract order

  nlohmann::json to_json() const;  // {"case", "severity" ("none" when empty), "groups"}
};

// Info findings are context for the responder, not evidence: they do not make a group present.
Verdict attack_chain_verdict(const std::vector<Finding>& findings);

// contract exit codes of detecting commands: 0 when nothing above info, else 10..13 by the highest severity.
ExitCode exit_code_for(std::optional<Severity> highest_severity);

}  // namespace unmine
