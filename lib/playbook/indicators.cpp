#include "playbook/indicators.h"

#include <arpa/inet.h>

#include <algorithm>
#include <functional>
#include <mutex>

#include "core/error.h"
#include "core/text.h"

namespace unmine {
namespace {

// Public lists whose entries are pool host names; each entry also matches its subdomains.
constexpr std::string_view kDomainLists[] = {"intel/falco_miner_domains.txt", "intel/sigma_pool_domains.txt",
                                             "intel/sigma_pool_dns_suffixes.txt", "intel/nocoin_hosts.txt"};

std::string normal_host(std::string_view host) {
  host = trim(host);
  while (host.ends_with('.')) host.remove_suffix(1);
  return to_lower(host);
}

std::vector<std::string> strings_of(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  for (auto& v : j.at(key))
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::vector<std::string> lower_all(std::vector<std::string> v) {
  for (auto& s : v) s = to_lower(s);
  return v;
}

// The option name of an argument: "--donate-level=1" -> "--donate-level".
std::string_view option_name(std::string_view arg) {
  if (!arg.starts_with('-')) return {};
  return arg.substr(0, arg.find('='));
}

bool is_version_char(char c) {
  return (c >= '0' && c <= '9') || c == '.' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_agent_char(char c) { return c >= 0x20 && c < 0x7f && c != '"'; }

}  // namespace

Indicators Indicators::load(const Playbook& playbook) {
  Indicators ind;
  auto pools = playbook.text("pools.json") ? playbook.json("pools.json") : nlohmann::json::object();
  auto ports = playbook.text("ports.json") ? playbook.json("ports.json") : nlohmann::json::object();
  auto fams = playbook.text("families.json") ? playbook.json("families.json") : nlohmann::json::object();
  auto procs = playbook.text("processes.json") ? playbook.json("processes.json") : nlohmann::json::object();
  try {
    std::set<std::string> exact_only;
    for (auto& s : strings_of(pools, "not_suffixes")) exact_only.insert(normal_host(s));
    auto add_domain = [&](const std::string& entry, const std::string& source) {
      auto host = normal_host(entry);
      if (host.empty() || is_ip_address(host) || ind.domains_.contains(host)) return;
      ind.domains_[host] = DomainEntry{source, !exact_only.contains(host)};
    };
    for (auto rel : kDomainLists)
      for (auto& e : playbook.list(rel)) add_domain(e, playbook.source_of(rel));
    for (auto& e : strings_of(pools, "domains")) add_domain(e, playbook.source_of("pools.json"));
    for (auto& e : strings_of(pools, "suffixes")) add_domain(e, playbook.source_of("pools.json"));

    for (auto& s : pools.value("schemes", nlohmann::json::array()))
      ind.schemes_[to_lower(s.at("scheme").get<std::string>())] =
          Scheme{s.value("tls", false), s.value("stratum", false)};
    ind.wallet_env_keys_ = strings_of(pools, "env_wallet_keys");
    ind.pool_env_keys_ = strings_of(pools, "env_pool_keys");

    for (auto& p : ports.value("service", nlohmann::json::array())) ind.service_ports_.insert(p.get<uint16_t>());
    std::vector<uint16_t> candidates;
    for (auto& line : playbook.list("intel/falco_miner_ports.txt")) {
      int port = 0;
      try {
        port = std::stoi(line);
      } catch (const std::exception&) {
        continue;
      }
      if (port > 0 && port < 65536) candidates.push_back(static_cast<uint16_t>(port));
    }
    for (auto& p : ports.value("stratum", nlohmann::json::array())) candidates.push_back(p.get<uint16_t>());
    for (auto p : candidates)
      if (!ind.service_ports_.contains(p)) ind.stratum_ports_.insert(p);

    for (auto& f : fams.value("families", nlohmann::json::array())) {
      MinerFamily m;
      m.name = f.at("name").get<std::string>();
      m.binaries = lower_all(strings_of(f, "binaries"));
      m.renamed = lower_all(strings_of(f, "renamed"));
      m.flags = strings_of(f, "flags");
      m.config_keys = strings_of(f, "config_keys");
      m.user_agents = strings_of(f, "user_agents");
      m.drop_paths = strings_of(f, "drop_paths");
      m.coins = strings_of(f, "coins");
      const auto content = f.value("content", nlohmann::json::object());
      m.banners = strings_of(content, "banners");
      m.content_strings = strings_of(content, "strings");
      m.donation_hosts = lower_all(strings_of(f, "donation_hosts"));
      const auto coin_algorithms = f.value("coin_algorithms", nlohmann::json::object());
      for (auto& [coin, algo] : coin_algorithms.items()) m.coin_algorithms[to_lower(coin)] = algo.get<std::string>();
      const auto wallet_algorithms = f.value("wallet_algorithms", nlohmann::json::object());
      for (auto& [coin, algo] : wallet_algorithms.items())
        m.wallet_algorithms[to_lower(coin)] = algo.get<std::string>();
      for (auto& h : m.donation_hosts) ind.donation_hosts_.insert(h);
      ind.families_.push_back(std::move(m));
    }
    for (size_t i = 0; i < ind.families_.size(); ++i) {
      auto& m = ind.families_[i];
      // First family to claim a name or flag keeps it: the file lists the more specific families first.
      for (auto& n : m.binaries) ind.by_name_.emplace(n, i);
      for (auto& n : m.renamed) ind.by_name_.emplace(n, i);
      for (auto& fl : m.flags) ind.by_flag_.emplace(fl, i);
      for (auto& p : m.drop_paths) ind.by_drop_path_.emplace(p, i);
    }
    for (auto& s : strings_of(fams, "common_flags")) ind.common_flags_.insert(s);
    for (auto& s : strings_of(fams, "algorithms")) ind.algorithms_.insert(to_lower(s));
    const auto options = fams.value("options", nlohmann::json::object());
    for (auto& [role, names] : options.items())
      for (auto& n : names) ind.option_roles_.emplace(n.get<std::string>(), role);
    const auto config_fields = fams.value("config_fields", nlohmann::json::object());
    for (auto& [role, names] : config_fields.items())
      for (auto& n : names) ind.config_roles_.emplace(n.get<std::string>(), role);
    for (auto& p : fams.value("packers", nlohmann::json::array()))
      ind.packers_.emplace_back(p.at("name").get<std::string>(), strings_of(p, "markers"));
    for (auto& n : strings_of(procs, "kernel_threads")) {
      if (n.ends_with('/') || n.ends_with('_'))
        ind.kernel_thread_prefixes_.insert(n);
      else
        ind.kernel_threads_.insert(n);
    }
  } catch (const nlohmann::json::exception& e) {
    throw RuntimeError("playbook " + playbook.name() + ": malformed indicators: " + e.what());
  }
  return ind;
}

std::shared_ptr<const Indicators> Indicators::of(const Playbook& playbook) {
  static std::mutex mu;
  static std::map<std::pair<std::string, std::string>, std::shared_ptr<const Indicators>> cache;
  std::lock_guard lock(mu);
  auto key = std::make_pair(playbook.name(), playbook.override_dir());
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, std::make_shared<const Indicators>(load(playbook))).first;
  return it->second;
}

std::optional<DomainHit> Indicators::pool_domain(std::string_view host_in) const {
  auto host = normal_host(host_in);
  if (host.empty() || is_ip_address(host)) return std::nullopt;
  if (auto it = domains_.find(host); it != domains_.end()) return DomainHit{it->first, it->second.source, false};
  for (size_t dot = host.find('.'); dot != std::string::npos; dot = host.find('.', dot + 1)) {
    std::string_view parent = std::string_view(host).substr(dot + 1);
    auto it = domains_.find(parent);
    if (it != domains_.end() && it->second.suffix) return DomainHit{it->first, it->second.source, true};
  }
  return std::nullopt;
}

std::optional<Indicators::Scheme> Indicators::scheme(std::string_view name) const {
  auto it = schemes_.find(to_lower(name));
  if (it == schemes_.end()) return std::nullopt;
  return it->second;
}

const MinerFamily* Indicators::family(std::string_view name) const {
  for (auto& f : families_)
    if (f.name == name) return &f;
  return nullptr;
}

const MinerFamily* Indicators::family_for_name(std::string_view basename) const {
  auto it = by_name_.find(to_lower(basename));
  return it == by_name_.end() ? nullptr : &families_[it->second];
}

const MinerFamily* Indicators::family_for_flag(std::string_view arg) const {
  auto name = option_name(arg);
  if (name.empty()) return nullptr;
  auto it = by_flag_.find(name);
  return it == by_flag_.end() ? nullptr : &families_[it->second];
}

const MinerFamily* Indicators::family_for_config_keys(const std::vector<std::string>& keys) const {
  const MinerFamily* best = nullptr;
  size_t best_count = 1;  // one shared key ("pools") is not enough
  for (auto& f : families_) {
    size_t n = std::count_if(keys.begin(), keys.end(), [&](auto& k) {
      return std::find(f.config_keys.begin(), f.config_keys.end(), k) != f.config_keys.end();
    });
    if (n > best_count) best = &f, best_count = n;
  }
  return best;
}

std::optional<UserAgentHit> Indicators::find_user_agent(std::string_view text) const {
  std::optional<UserAgentHit> best;
  size_t best_at = std::string_view::npos;
  for (auto& f : families_) {
    for (auto& prefix : f.user_agents) {
      std::boyer_moore_horspool_searcher search(prefix.begin(), prefix.end());
      auto from = text.begin();
      while (true) {
        auto [hit, end] = search(from, text.end());
        if (hit == text.end()) break;
        from = hit + 1;
        size_t at = static_cast<size_t>(hit - text.begin());
        size_t v = at + prefix.size();
        if (v >= text.size() || text[v] < '0' || text[v] > '9') continue;  // "xmrig/xmrig" in a URL
        if (at >= best_at) break;
        size_t ve = v;
        while (ve < text.size() && ve - v < 32 && is_version_char(text[ve])) ++ve;
        size_t ae = v;
        while (ae < text.size() && ae - at < 200 && is_agent_char(text[ae])) ++ae;
        best = UserAgentHit{&f, std::string(text.substr(at, ae - at)), std::string(text.substr(v, ve - v))};
        best_at = at;
        break;
      }
    }
  }
  return best;
}

std::optional<ContentHit> Indicators::find_family_by_content(std::string_view text) const {
  auto contains = [&](const std::string& needle) {
    return std::search(text.begin(), text.end(), std::boyer_moore_horspool_searcher(needle.begin(), needle.end())) !=
           text.end();
  };
  std::optional<ContentHit> best;
  size_t best_score = 0;
  for (auto& f : families_) {
    ContentHit hit{&f, {}, {}};
    size_t score = 0;
    for (auto& banner : f.banners) {
      std::boyer_moore_horspool_searcher search(banner.begin(), banner.end());
      for (auto from = text.begin();;) {
        auto [at, end] = search(from, text.end());
        if (at == text.end()) break;
        from = at + 1;
        size_t v = static_cast<size_t>(end - text.begin());
        if (v >= text.size() || text[v] < '0' || text[v] > '9') continue;  // "XMRig Stratum proxy"
        size_t ve = v;
        while (ve < text.size() && ve - v < 32 && is_version_char(text[ve])) ++ve;
        hit.version = std::string(text.substr(v, ve - v));
        hit.matched.push_back(banner + hit.version);
        score += 2;  // a banner with a version names the family alone
        break;
      }
      if (!hit.version.empty()) break;
    }
    for (auto& s : f.content_strings)
      if (contains(s)) hit.matched.push_back(s), ++score;
    if (score >= 2 && score > best_score) best = std::move(hit), best_score = score;
  }
  return best;
}

std::optional<std::string> Indicators::packer_of(std::string_view data) const {
  // Packers write their markers in the first pages, ahead of the compressed image.
  auto head = data.substr(0, std::min<size_t>(data.size(), 64u << 10));
  for (auto& [name, markers] : packers_)
    for (auto& m : markers)
      if (head.find(m) != std::string_view::npos) return name;
  return std::nullopt;
}

bool Indicators::is_donation_host(std::string_view host) const { return donation_hosts_.contains(normal_host(host)); }

bool Indicators::is_kernel_thread_name(std::string_view name) const {
  if (name.empty()) return false;
  if (kernel_threads_.contains(name)) return true;
  for (auto& prefix : kernel_thread_prefixes_)
    if (name.starts_with(prefix) && name.size() > prefix.size()) return true;
  return false;
}

const MinerFamily* Indicators::family_for_drop_path(std::string_view path) const {
  auto it = by_drop_path_.find(path);
  return it == by_drop_path_.end() ? nullptr : &families_[it->second];
}

bool Indicators::is_common_miner_flag(std::string_view arg) const {
  auto name = option_name(arg);
  return !name.empty() && common_flags_.contains(name);
}

std::string_view Indicators::option_role(std::string_view name) const {
  auto it = option_roles_.find(name);
  return it == option_roles_.end() ? std::string_view{} : std::string_view(it->second);
}

std::string_view Indicators::config_field_role(std::string_view key) const {
  auto it = config_roles_.find(key);
  return it == config_roles_.end() ? std::string_view{} : std::string_view(it->second);
}

bool Indicators::is_algorithm(std::string_view name) const { return algorithms_.contains(to_lower(name)); }

}  // namespace unmine
