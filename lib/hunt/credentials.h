#pragma once
// Credentials on the host for the IAM review (kind credential.exposed): cloud CLI credentials (AWS,
// gcloud, Azure), Docker registry auths, kubeconfigs, git credentials, .netrc and private SSH keys,
// with whether they were read in the compromise window (access time, and how far the mount's atime
// mode lets that be trusted). Only paths, sizes, times and SHA-256 are reported: never the content.
#include <string>
#include <string_view>
#include <vector>

#include "hunt/hunt_context.h"
#include "hunt/proc_mounts.h"
#include "model/finding.h"

namespace unmine {

// How far access times can be trusted on a mount with these options.
struct AtimeTrust {
  std::string mode;  // noatime | relatime | strictatime | unknown
  bool usable = false;
  std::string caveat;
};
AtimeTrust atime_trust(std::string_view mount_options);

// A private key file: PEM/OpenSSH armour naming a private key.
bool looks_like_private_key(std::string_view head);
// A Docker config.json that holds inline registry auths (not only a credential helper).
bool docker_config_has_auths(std::string_view json);

std::vector<Finding> check_credentials(HuntContext& ctx);

}  // namespace unmine
