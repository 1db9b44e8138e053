#pragma once
// What ties a persistence artifact to the incident: the incident's own indicators first, then the
// playbook's persistence rules (playbooks/cryptomining/persistence.json): miner family words, pool domains
// and stratum URLs tie it; download-and-run, reverse shells, execution from /tmp or hidden folders,
// chattr +i, killing rival miners and MSR writes make it malicious; base64 blobs are judged decoded. Lines
// that only look alike (a benign job that uses curl) are "lookalike": shown for the responder to judge,
// never neutralised.
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/incident.h"
#include "playbook/playbook.h"

namespace unmine {

// In rising order. Tied and malicious entries are neutralised; a lookalike is only shown.
enum class TieLevel { none, lookalike, malicious, tied };

struct Tie {
  TieLevel level = TieLevel::none;
  std::string rule;       // incident.path, family, pool_domain, wallet, malicious.NAME, base64.<rule>, lookalike.NAME
  std::string indicator;  // what matched (the path, the word, the domain), raw
  std::string indicator_type;  // path|dir|name|domain|ip|wallet|sha256|family|pool_domain|pattern
  // Neutralised: tied to the incident or malicious whatever it runs.
  bool tied() const { return level >= TieLevel::malicious; }
};

struct PatternRule {
  std::string name;
  std::string what;
  std::vector<std::vector<std::string>> requires_words;  // for each group, one of its words must occur (lowercase)
  std::regex pattern;
};

class PersistenceRules {
 public:
  // Reads persistence.json and the pool lists it names; throws RuntimeError on a malformed file.
  static PersistenceRules load(const Playbook& playbook);
  // Rules from a JSON document and explicit domain lists (unit tests).
  static PersistenceRules from_json(const nlohmann::json& j, const std::vector<std::string>& pool_domains = {},
                                    const std::vector<std::string>& pool_suffixes = {});

  // How strongly the text ties to the incident. Most specific first: incident indicator, wallet, family
  // word, pool domain, stratum URL (tied); a malicious pattern; a base64 payload judged decoded; else a
  // lookalike pattern; else none.
  Tie judge(std::string_view text, const IncidentIndicators& incident) const;

  // A pool domain named in the text (exact entry, or a sub-domain of a listed suffix), lowercase.
  std::optional<std::string> pool_domain_in(std::string_view text) const;
  bool is_pool_domain(std::string_view host) const;
  // A modprobe line letting user space write MSRs ("options msr allow_writes=on").
  bool enables_msr_writes(std::string_view line) const;
  // A key comment or option naming a known campaign ("hilde@teamtnt.red", "mdrfckr"), lowercase.
  std::optional<std::string> campaign_word_in(std::string_view text) const;
  // Folders where the files a preloaded process hider hides by name are looked for (droppers' folders).
  const std::vector<std::string>& hider_drop_folders() const { return hider_drop_folders_; }

 private:
  Tie judge_at(std::string_view text, const IncidentIndicators& incident, int depth) const;
  std::optional<const PatternRule*> first_match(const std::vector<PatternRule>& rules, std::string_view text,
                                                const std::string& lower) const;

  std::vector<std::string> family_words_, campaign_words_, hider_drop_folders_;
  std::set<std::string, std::less<>> pool_domains_, pool_suffixes_;
  std::vector<PatternRule> malicious_, lookalike_;
  std::optional<std::regex> msr_options_;
  size_t base64_min_ = 24;
  int base64_depth_ = 2;
  size_t regex_max_line_ = 16384;
};

// Base64 runs in a text that decode to mostly printable text (the payloads of `echo ... | base64 -d`).
std::vector<std::string> decoded_base64_payloads(std::string_view text, size_t min_length);

// True when `word` occurs in `text` (lowercase) not embedded in a longer alphanumeric name.
bool contains_family_word(std::string_view lower_text, std::string_view word);

}  // namespace unmine
