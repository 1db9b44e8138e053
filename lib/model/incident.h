#pragma once
// What ties an artifact to this incident: the miners' paths, hashes, names, pools and wallets. Built from
// live triage (validate/identify) and recorded in the case's indicators table (case/indicators_store.h),
// so unpersist, verify, block and report still know them after the miner is gone.
#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace unmine {

struct IndicatorHit {
  std::string type;   // path | dir | name | domain | ipv4 | ipv6 | wallet | sha256 | cmdline
  std::string value;  // the indicator that was found in the text
};

struct IncidentIndicators {
  std::set<std::string> paths;    // miner executables and configs ("/tmp/.x/xmrig")
  std::set<std::string> dirs;     // their folders ("/tmp/.x"), never "/", "/tmp", "/usr/bin"-like roots
  std::set<std::string> names;    // executable base names that are not common words ("kdevtmpfsi")
  std::set<std::string> sha256s;  // executable hashes
  std::set<std::string> domains;  // pool host names
  std::set<std::string> ips;      // pool addresses (v4/v6 text)
  std::set<uint16_t> ports;       // pool ports seen
  std::set<std::string> wallets;  // addresses
  std::set<std::pair<uint64_t, uint64_t>> inodes;  // (dev, ino) of miner executables

  bool empty() const;
  void merge(const IncidentIndicators& o);
  // The first indicator the text mentions, most specific first (wallet, path, domain, ip, dir, name).
  std::optional<IndicatorHit> referenced_in(std::string_view text) const;
  nlohmann::json to_json() const;
};

// Folders too general to tie anything to the incident by themselves.
bool is_generic_dir(std::string_view dir);

}  // namespace unmine
