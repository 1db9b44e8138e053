#include "persist/rules.h"

#include <openssl/evp.h>

#include <cctype>

#include "core/error.h"
#include "core/text.h"
#include "model/wallets.h"

namespace unmine {
namespace {

constexpr std::string_view kRulesFile = "persistence.json";

std::vector<PatternRule> parse_patterns(const nlohmann::json& list, const std::string& where) {
  std::vector<PatternRule> out;
  if (!list.is_array()) return out;
  for (auto& r : list) {
    PatternRule p;
    p.name = r.value("name", "");
    p.what = r.value("what", "");
    for (auto& group : r.value("requires", nlohmann::json::array())) {
      std::vector<std::string> words;
      if (group.is_string())
        words.push_back(to_lower(group.get<std::string>()));
      else
        for (auto& w : group) words.push_back(to_lower(w.get<std::string>()));
      p.requires_words.push_back(std::move(words));
    }
    try {
      p.pattern = std::regex(r.at("pattern").get<std::string>(),
                             std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
    } catch (const std::exception& e) {
      throw RuntimeError("playbook " + where + ": pattern " + p.name + ": " + e.what());
    }
    out.push_back(std::move(p));
  }
  return out;
}

bool is_host_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-'; }

bool is_base64_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/'; }

bool looks_like_ip(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

}  // namespace

bool contains_family_word(std::string_view lower_text, std::string_view word) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (size_t pos = lower_text.find(word); pos != std::string_view::npos; pos = lower_text.find(word, pos + 1)) {
    size_t end = pos + word.size();
    if ((pos == 0 || !alnum(lower_text[pos - 1])) && (end >= lower_text.size() || !alnum(lower_text[end]))) return true;
  }
  return false;
}

std::vector<std::string> decoded_base64_payloads(std::string_view text, size_t min_length) {
  std::vector<std::string> out;
  for (size_t i = 0; i < text.size();) {
    if (!is_base64_char(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && is_base64_char(text[i])) ++i;
    size_t run = i - start;
    while (i < text.size() && text[i] == '=' && i - start < run + 2) ++i;
    if (run < min_length) continue;
    // Decode whole quanta only; trailing '=' tell EVP_DecodeBlock how many bytes the last quantum holds.
    std::string blob(text.substr(start, i - start));
    if (blob.size() % 4 != 0) blob.resize(run - run % 4);
    std::string decoded(blob.size() / 4 * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                            reinterpret_cast<const unsigned char*>(blob.data()), static_cast<int>(blob.size()));
    if (n <= 0) continue;
    size_t pad = 0;
    for (size_t k = blob.size(); k > 0 && blob[k - 1] == '='; --k) ++pad;
    decoded.resize(static_cast<size_t>(n) - std::min<size_t>(pad, static_cast<size_t>(n)));
    size_t printable_bytes = 0;
    for (unsigned char c : decoded)
      if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t' || c == '\r') ++printable_bytes;
    // Keys and binary blobs decode to noise; only text payloads are judged.
    if (!decoded.empty() && printable_bytes * 10 >= decoded.size() * 9) out.push_back(std::move(decoded));
  }
  return out;
}

PersistenceRules PersistenceRules::from_json(const nlohmann::json& j, const std::vector<std::string>& pool_domains,
                                             const std::vector<std::string>& pool_suffixes) {
  PersistenceRules r;
  for (auto& w : j.value("family_words", nlohmann::json::array()))
    r.family_words_.push_back(to_lower(w.get<std::string>()));
  for (auto& d : pool_domains) r.pool_domains_.insert(to_lower(d));
  for (auto& s : pool_suffixes)
    if (!looks_like_ip(s)) r.pool_suffixes_.insert(to_lower(s));
  for (auto& w : j.value("campaign_key_words", nlohmann::json::array()))
    r.campaign_words_.push_back(to_lower(w.get<std::string>()));
  for (auto& d : j.value("hider_drop_folders", nlohmann::json::array()))
    r.hider_drop_folders_.push_back(d.get<std::string>());
  if (j.contains("msr_options")) {
    try {
      r.msr_options_ =
          std::regex(j["msr_options"].at("pattern").get<std::string>(), std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      throw RuntimeError(std::string("playbook ") + std::string(kRulesFile) + ": msr_options: " + e.what());
    }
  }
  r.malicious_ = parse_patterns(j.value("malicious", nlohmann::json::array()), std::string(kRulesFile));
  r.lookalike_ = parse_patterns(j.value("lookalike", nlohmann::json::array()), std::string(kRulesFile));
  r.base64_min_ = j.value("base64_min_length", size_t{24});
  r.base64_depth_ = j.value("base64_max_depth", 2);
  r.regex_max_line_ = j.value("regex_max_line", size_t{16384});
  return r;
}

PersistenceRules PersistenceRules::load(const Playbook& playbook) {
  auto j = playbook.json(kRulesFile);
  std::vector<std::string> domains, suffixes;
  for (auto& f : j.value("pool_domain_lists", nlohmann::json::array()))
    for (auto& d : playbook.list(f.get<std::string>())) domains.push_back(d);
  for (auto& f : j.value("pool_suffix_lists", nlohmann::json::array()))
    for (auto& d : playbook.list(f.get<std::string>())) suffixes.push_back(d);
  try {
    return from_json(j, domains, suffixes);
  } catch (const nlohmann::json::exception& e) {
    throw RuntimeError("playbook " + playbook.source_of(kRulesFile) + ": " + e.what());
  }
}

bool PersistenceRules::is_pool_domain(std::string_view host) const {
  std::string h = to_lower(host);
  while (!h.empty() && h.back() == '.') h.pop_back();
  if (pool_domains_.count(h)) return true;
  for (std::string_view rest = h;;) {
    if (pool_suffixes_.count(rest)) return true;
    auto dot = rest.find('.');
    if (dot == std::string_view::npos) return false;
    rest.remove_prefix(dot + 1);
  }
}

std::optional<std::string> PersistenceRules::pool_domain_in(std::string_view text) const {
  for (size_t i = 0; i < text.size();) {
    if (!is_host_char(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && is_host_char(text[i])) ++i;
    auto token = text.substr(start, i - start);
    while (!token.empty() && (token.front() == '.' || token.front() == '-')) token.remove_prefix(1);
    if (token.find('.') == std::string_view::npos || looks_like_ip(token)) continue;
    // A listed suffix alone ("supportxmr.com") counts too: the list is of pool operators' domains.
    if (is_pool_domain(token)) return to_lower(token);
  }
  return std::nullopt;
}

std::optional<const PatternRule*> PersistenceRules::first_match(const std::vector<PatternRule>& rules,
                                                                std::string_view text, const std::string& lower) const {
  // std::regex recurses per character: hostile long lines are matched on their first part only.
  auto bounded = text.substr(0, regex_max_line_);
  for (auto& r : rules) {
    bool candidate = std::all_of(r.requires_words.begin(), r.requires_words.end(), [&](auto& group) {
      return std::any_of(group.begin(), group.end(), [&](auto& w) { return lower.find(w) != std::string::npos; });
    });
    if (candidate && std::regex_search(bounded.begin(), bounded.end(), r.pattern)) return &r;
  }
  return std::nullopt;
}

bool PersistenceRules::enables_msr_writes(std::string_view line) const {
  auto bounded = line.substr(0, regex_max_line_);
  return msr_options_ && std::regex_search(bounded.begin(), bounded.end(), *msr_options_);
}

std::optional<std::string> PersistenceRules::campaign_word_in(std::string_view text) const {
  std::string lower = to_lower(text);
  for (auto& w : campaign_words_)
    if (lower.find(w) != std::string::npos) return w;
  return std::nullopt;
}

Tie PersistenceRules::judge(std::string_view text, const IncidentIndicators& incident) const {
  return judge_at(text, incident, 0);
}

Tie PersistenceRules::judge_at(std::string_view text, const IncidentIndicators& incident, int depth) const {
  if (auto hit = incident.referenced_in(text)) return {TieLevel::tied, "incident." + hit->type, hit->value, hit->type};
  for (auto& w : find_wallets(text))
    if (w.checksum_valid) return {TieLevel::tied, "wallet", w.address, "wallet"};
  std::string lower = to_lower(text);
  for (auto& w : family_words_)
    if (contains_family_word(lower, w)) return {TieLevel::tied, "family", w, "family"};
  if (auto d = pool_domain_in(text)) return {TieLevel::tied, "pool_domain", *d, "pool_domain"};
  if (lower.find("stratum+") != std::string::npos || lower.find("stratum2+") != std::string::npos)
    return {TieLevel::tied, "stratum_url", "stratum+", "pattern"};
  std::optional<Tie> pattern;
  if (auto r = first_match(malicious_, text, lower))
    pattern = Tie{TieLevel::malicious, "malicious." + (*r)->name, std::string(text.substr(0, 200)), "pattern"};
  // A payload may hide the miner itself: tied beats the pattern that decoded it.
  if (depth < base64_depth_) {
    for (auto& payload : decoded_base64_payloads(text, base64_min_)) {
      auto inner = judge_at(payload, incident, depth + 1);
      if (inner.tied() && (!pattern || inner.level == TieLevel::tied))
        return {inner.level, "base64." + inner.rule, inner.indicator, inner.indicator_type};
    }
  }
  if (pattern) return *pattern;
  if (auto r = first_match(lookalike_, text, lower))
    return {TieLevel::lookalike, "lookalike." + (*r)->name, std::string(text.substr(0, 200)), "pattern"};
  return {};
}

}  // namespace unmine
