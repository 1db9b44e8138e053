#pragma once
// After a kill: watch for the miner coming back (same executable by inode, hash or path, same command
// line, a wallet or pool in its command line, a connection to the pool) and name what brought it back
// (its parent, e.g. a watchdog or cron; the cron entry or systemd unit that references it; the systemd
// unit of its cgroup). Each respawn is a finding (group miner, severity high). Reads, never changes.
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/host_root.h"
#include "host/process.h"
#include "host/process_source.h"
#include "model/finding.h"
#include "model/incident.h"
#include "persist/persistence.h"

namespace unmine {

// What a respawn of the killed processes looks like.
struct RespawnPattern {
  std::set<std::string> exe_paths;
  std::set<std::string> sha256s;
  std::set<std::pair<uint64_t, uint64_t>> inodes;  // (dev, ino)
  std::set<std::vector<std::string>> arguments;    // cmdline without argv[0], when not empty
  IncidentIndicators incident;                     // wallets, pool domains and addresses

  void add(const Process& killed, const std::string& sha256);
};

struct RespawnMatch {
  std::string how;     // inode | path | sha256 | cmdline | indicator | connection
  std::string detail;  // printable
};

// Pure: how the process matches the pattern, cheapest test first; `sha256_of` is called only when needed.
std::optional<RespawnMatch> match_respawn(const RespawnPattern& pattern, const Process& p,
                                          const std::function<std::string()>& sha256_of);

struct RespawnSource {
  std::string kind;  // parent | cron | at | systemd | persistence
  std::string summary;
  std::optional<int> pid;
  std::optional<std::string> exe;
  std::optional<std::string> unit;
  std::optional<std::string> path;
  std::optional<int> line;
  std::optional<std::string> finding_id;
  nlohmann::json to_json() const;
};

struct Respawn {
  Process proc;
  RespawnMatch match;
  std::vector<RespawnSource> sources;  // most specific first; empty when nothing names it
  Finding finding;
  nlohmann::json to_json() const;
};

// The systemd unit ("NAME.service") a cgroup file places a process in, or nullopt; the units every
// session or cron job lives in (user@UID.service, init.scope, session scopes) are not named.
std::optional<std::string> service_unit_from_cgroup(std::string_view cgroup_text);

// Pure: where a respawned process came from. `ancestors` parent first (as read right after it appeared),
// `artifacts` the persistence scan (only entries that name its executable count).
std::vector<RespawnSource> respawn_sources(const Process& p, const std::vector<Process>& ancestors,
                                           const std::vector<PersistenceArtifact>& artifacts);

Finding respawn_finding(const Process& p, const RespawnMatch& match, const std::vector<RespawnSource>& sources);

struct RespawnWatchOptions {
  std::chrono::milliseconds duration{0};
  std::chrono::milliseconds interval{100};
};

// (pid, "address:port") of sockets connected to the incident's pool addresses (SocketReader).
std::vector<std::pair<int, std::string>> pool_connections(const HostRoot& host, const IncidentIndicators& incident);

// Polls the process table (and, when the pattern has pool addresses, the sockets) until the duration is
// over. `baseline` holds (pid, start_ticks) of processes that existed before the kill: never respawns.
// `persistence` is called once, at the first respawn.
std::vector<Respawn> watch_respawns(const ProcessSource& procs, const RespawnPattern& pattern,
                                    const std::set<std::pair<int, uint64_t>>& baseline,
                                    const std::function<std::vector<PersistenceArtifact>()>& persistence,
                                    const std::function<std::vector<std::pair<int, std::string>>()>& pool_connections,
                                    const RespawnWatchOptions& options);

}  // namespace unmine
