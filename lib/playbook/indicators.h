#pragma once
// The playbook's mining indicators, typed: pool domains and suffixes (intel/*.txt + pools.json), stratum
// ports versus ordinary service ports (ports.json refining intel/falco_miner_ports.txt), pool URL schemes,
// miner families (families.json) and the environment variables droppers pass pools and wallets in.
// Every detector asks these questions through here, so no indicator is written in code.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "playbook/playbook.h"

namespace unmine {

struct MinerFamily {
  std::string name;                      // xmrig, kinsing, xmr-stak, cpuminer, ...
  std::vector<std::string> binaries;     // base names the family ships under (lowercase)
  std::vector<std::string> renamed;      // names campaigns rename it to (kdevtmpfsi, zzh, ...)
  std::vector<std::string> flags;        // options only this family takes (--donate-level)
  std::vector<std::string> config_keys;  // top-level keys of its config file
  std::vector<std::string> user_agents;  // prefixes its binary carries, the version follows ("XMRig/")
  std::vector<std::string> drop_paths;   // paths campaigns drop it at (/tmp/kdevtmpfsi)
  std::vector<std::string> coins;        // what it usually mines (monero)
  // Content: a banner (name, a space, the version) and strings only its builds carry.
  std::vector<std::string> banners;
  std::vector<std::string> content_strings;
  std::vector<std::string> donation_hosts;               // its own fee pool, never the incident's
  std::map<std::string, std::string> coin_algorithms;    // coin -> algorithm mined when none is named
  std::map<std::string, std::string> wallet_algorithms;  // a wallet's coin -> algorithm when neither is named
};

// A family recognised by what an executable (or a process's memory) holds.
struct ContentHit {
  const MinerFamily* family = nullptr;
  std::string version;               // after the banner; empty when only strings matched
  std::vector<std::string> matched;  // the banner as found ("XMRig 6.26.0") and the strings that matched
};

// A user agent found in a binary or a login: the family and the version after the prefix.
struct UserAgentHit {
  const MinerFamily* family = nullptr;
  std::string agent;    // the whole printable run, e.g. "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2"
  std::string version;  // "6.21.0"; empty when none follows the prefix
};

// Which list said a domain is a pool's: for findings' evidence.
struct DomainHit {
  std::string entry;    // the list entry that matched ("minexmr.com")
  std::string source;   // "builtin:cryptomining/intel/sigma_pool_domains.txt", ...
  bool suffix = false;  // matched as a parent domain, not exactly
};

class Indicators {
 public:
  // Reads the playbook's files; a missing list is empty, a malformed JSON file throws RuntimeError.
  static Indicators load(const Playbook& playbook);
  // The same, parsed once per playbook (built-in or --playbook DIR) for the life of the process.
  static std::shared_ptr<const Indicators> of(const Playbook& playbook);

  // host is a pool's when a list names it exactly or names one of its parent domains (case-insensitive,
  // a trailing dot ignored). Addresses in the lists are dropped: 127.0.0.1 is nobody's pool.
  bool is_pool_domain(std::string_view host) const { return pool_domain(host).has_value(); }
  std::optional<DomainHit> pool_domain(std::string_view host) const;

  // Ports pools listen on that ordinary services do not use (3333, 4444, 14444, ...).
  bool is_stratum_port(uint16_t port) const { return stratum_ports_.contains(port); }
  // Ports in a pool list that are also ordinary services (25, 80, 443, 8080): never evidence alone.
  bool is_service_port(uint16_t port) const { return service_ports_.contains(port); }
  const std::set<uint16_t>& stratum_ports() const { return stratum_ports_; }

  // A URL scheme miners use: "stratum+ssl" {tls, stratum}, "tcp" {no tls, not stratum}; nullopt for others
  // (http, ftp): such a URL is not a pool address.
  struct Scheme {
    bool tls = false;
    bool stratum = false;  // only pools speak it: the URL alone says "pool"
  };
  std::optional<Scheme> scheme(std::string_view name) const;

  const std::vector<MinerFamily>& families() const { return families_; }
  const MinerFamily* family(std::string_view name) const;
  // By executable base name, lowercase-compared: shipped names and the names campaigns rename it to.
  const MinerFamily* family_for_name(std::string_view basename) const;
  // By an option only one family takes ("--donate-level", "--donate-level=1").
  const MinerFamily* family_for_flag(std::string_view arg) const;
  // By a config file's top-level keys: the family whose keys match most (at least two), else null.
  const MinerFamily* family_for_config_keys(const std::vector<std::string>& keys) const;
  // The first known user agent in a text (a binary's strings, a login's "agent").
  std::optional<UserAgentHit> find_user_agent(std::string_view text) const;
  // The family whose banner (with a version) or at least two of whose strings a text holds; the most
  // matches win. Case-sensitive, as the strings are in the binary.
  std::optional<ContentHit> find_family_by_content(std::string_view text) const;
  // The packer whose markers the start of an executable carries ("upx"), else nullopt.
  std::optional<std::string> packer_of(std::string_view data) const;
  // A family's own fee pool (XMRig's donate.v2.xmrig.com), of any family.
  bool is_donation_host(std::string_view host) const;
  // A name the kernel gives its own threads (kworker/0:1, kswapd0): a user process calling itself so hides.
  bool is_kernel_thread_name(std::string_view name) const;
  // A path campaigns drop a miner at (exact).
  const MinerFamily* family_for_drop_path(std::string_view path) const;

  // Options many miners share (-o, -u, --algo, --coin, --nicehash): weak alone. arg may carry "=value".
  bool is_common_miner_flag(std::string_view arg) const;
  bool is_algorithm(std::string_view name) const;
  // What an option carries across miners' command lines: "url", "user", "pass", "algo", "coin", "tls",
  // "rig_id", "config", "proxy"; empty for others. name is the option alone ("-o", "--url").
  std::string_view option_role(std::string_view name) const;
  // The same roles for a config file's keys ("url", "pool_address" -> "url"; "wallet_address" -> "user").
  std::string_view config_field_role(std::string_view key) const;
  const std::vector<std::string>& wallet_env_keys() const { return wallet_env_keys_; }
  const std::vector<std::string>& pool_env_keys() const { return pool_env_keys_; }

  size_t pool_domain_count() const { return domains_.size(); }

 private:
  struct DomainEntry {
    std::string source;
    bool suffix = true;  // also matches its subdomains
  };
  std::map<std::string, DomainEntry, std::less<>> domains_;  // lowercase entry
  std::set<uint16_t> stratum_ports_, service_ports_;
  std::map<std::string, Scheme, std::less<>> schemes_;  // lowercase
  std::vector<MinerFamily> families_;
  std::map<std::string, size_t, std::less<>> by_name_, by_flag_, by_drop_path_;
  std::set<std::string, std::less<>> common_flags_, algorithms_;
  std::map<std::string, std::string, std::less<>> option_roles_, config_roles_;
  std::vector<std::string> wallet_env_keys_, pool_env_keys_;
  std::vector<std::pair<std::string, std::vector<std::string>>> packers_;  // name, markers
  std::set<std::string, std::less<>> donation_hosts_, kernel_threads_, kernel_thread_prefixes_;
};

}  // namespace unmine
