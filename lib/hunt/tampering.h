#pragma once
// Security tooling the attacker switched off so the miner runs unseen (kind security_tool.tampered):
// journald Storage=none, auditd stopped or its rules disabled, SELinux permissive, ufw/iptables rules
// on disk but not loaded, kernel.nmi_watchdog=0, cloud security agents removed.
#include <vector>

#include "hunt/hunt_context.h"
#include "model/finding.h"

namespace unmine {

std::vector<Finding> check_security_tampering(HuntContext& ctx);
std::vector<Finding> check_cloud_agents(HuntContext& ctx);

// The value of the last `key=value` among systemd-style config texts read in order (drop-ins last).
std::optional<std::string> last_setting(const std::vector<std::string>& texts, std::string_view key);

}  // namespace unmine
