#pragma once
// Files an attacker made immutable or append-only (chattr +i / +a) so that removing or editing them
// fails: persistence files, miner binaries and configs, /etc/ld.so.preload, /etc/hosts.
#include <optional>
#include <string>
#include <string_view>

#include "host/host_root.h"
#include "model/finding.h"

namespace unmine {

// A hiding finding (kind `immutable`, high) when `path` carries either flag; `role` says what the file is
// ("cron job", "miner config").
std::optional<Finding> immutable_file_finding(const HostRoot& host, const std::string& path, std::string_view role);

}  // namespace unmine
