#pragma once
// authorized_keys of every user in /etc/passwd: the attacker's way back in, often with a forced
// `command=` that restarts the miner.
#include "persist/scan_context.h"

namespace unmine {

struct AuthorizedKey {
  int line = 0;
  std::string_view text;
  std::vector<std::string> options;    // as written, quotes removed from values
  std::optional<std::string> command;  // the command="..." option
  std::string type;                    // ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, sk-...
  std::string comment;
};

struct AuthorizedKeysParse {
  std::vector<AuthorizedKey> keys;
  std::vector<LineAnomaly> anomalies;
};

AuthorizedKeysParse parse_authorized_keys(std::string_view text);

void scan_ssh_keys(ScanContext& ctx);

}  // namespace unmine
