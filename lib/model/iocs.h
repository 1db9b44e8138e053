#pragma once
// A case's indicators of compromise as one portable document (`case iocs`), read back by a sweep of
// another host (`validate --iocs`, `hunt --iocs`). Types follow the case's indicators table plus what a
// sweep matches beyond it: persistence lines and SSH key fingerprints.
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/incident.h"

namespace unmine {

// type: wallet | domain | ipv4 | ipv6 | port | sha256 | path | dir | name | persistence_line | ssh_key
struct Ioc {
  std::string type;
  std::string value;
  nlohmann::json context = nlohmann::json::object();  // coin, kind, where it was seen
};

struct IocSet {
  std::string case_uuid;  // the case they come from
  std::string host;       // the host that case was about
  std::vector<Ioc> iocs;  // one per (type, value), in the order added

  // Adds unless the (type, value) pair is already there or the value is empty.
  void add(std::string type, std::string value, nlohmann::json context = nlohmann::json::object());
  std::set<std::string> values(std::string_view type) const;
  // The indicators the detectors already understand (wallets, pools, hashes, paths, names).
  IncidentIndicators indicators() const;
  // The IoC a detector's hit names ("ip" hits are ipv4/ipv6 IoCs), or nullptr.
  const Ioc* find(std::string_view type, std::string_view value) const;

  nlohmann::json to_json() const;  // evidence_schema/json/iocs.schema.json
  // Throws RuntimeError naming what is wrong (not JSON, not an IoC document, a newer format, a bad entry).
  static IocSet parse(std::string_view text, const std::string& origin);
};

inline constexpr int kIocFormatVersion = 1;

// "SHA256:<base64, no padding>" of an authorized_keys / public key line (type, then the base64 key blob),
// as ssh-keygen -l prints it; nullopt when the line holds no decodable key.
std::optional<std::string> ssh_key_fingerprint(std::string_view key_line);

}  // namespace unmine
