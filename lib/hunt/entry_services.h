#pragma once
// Management services an attacker walks in through when they are reachable without authentication:
// the Docker API (TCP 2375/2376, a world-writable socket), Redis without a password, Jenkins without
// security, the kubelet and Kubernetes API with anonymous access. Each check reads configuration under
// the root and, on a live host, the listening sockets.
#include <vector>

#include "host/sockets.h"
#include "hunt/hunt_context.h"
#include "model/finding.h"

namespace unmine {

std::vector<Finding> check_docker_api(HuntContext& ctx);
std::vector<Finding> check_redis(HuntContext& ctx);
std::vector<Finding> check_jenkins(HuntContext& ctx);
std::vector<Finding> check_kubernetes(HuntContext& ctx);

// Pure pieces, tested on literals.
// Docker daemon hosts from daemon.json ("hosts": [...]) or dockerd arguments (-H/--host).
std::vector<std::string> docker_hosts_from_json(std::string_view daemon_json, bool* tls);
std::vector<std::string> docker_hosts_from_args(std::string_view command_line, bool* tls);
// A bind address list reaches beyond loopback.
bool binds_beyond_loopback(std::string_view addresses);
// A value at a dotted path of a simple YAML document ("authentication.anonymous.enabled").
std::optional<std::string> yaml_value(std::string_view yaml, std::string_view dotted_path);

}  // namespace unmine
