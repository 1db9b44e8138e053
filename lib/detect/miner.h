#pragma once
// A miner as identify describes it: the contract miners[] object.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "host/process.h"
#include "host/sockets.h"
#include "model/incident.h"
#include "model/wallets.h"

namespace unmine {

struct PoolRef {
  std::string url;  // as written ("stratum+tcp://pool.example:3333")
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  std::string user;    // the login (wallet[.worker][+diff])
  std::string source;  // cmdline | config | environ | connection | hosts | dns_cache | binary | script | memory
};

struct AncestorRef {
  int pid = 0;
  std::string exe;
};

struct MinerInfo {
  Process proc;            // pid, ppid, user, exe, exe_deleted, cmdline, cwd, started_at, cpu_seconds, container
  std::string exe_sha256;  // of the running image (/proc/PID/exe), empty when unreadable
  std::string family = "unknown";
  std::string family_source;  // what named the family: name | user_agent | content | memory | flag | config | drop_path
  std::optional<std::string> version;
  std::optional<std::string> user_agent;  // the miner's agent string found in its binary
  std::optional<std::string> coin;        // --coin / config "coin" when given
  std::optional<std::string> algorithm;
  std::optional<std::string> worker;
  std::vector<WalletMatch> wallets;
  std::vector<PoolRef> pools;
  // The family's own fee pool (XMRig's donation) seen in its options, config, memory or binary: named apart,
  // never an incident pool, never blocked or hunted for as the attacker's.
  std::vector<PoolRef> donation_pools;
  std::optional<std::string> packed;  // the packer of its executable ("upx")
  std::optional<std::string> config_path;
  std::optional<bool> config_valid;  // the config parsed as JSON (false: mined as text)
  std::vector<SocketEntry> connections;
  std::vector<AncestorRef> ancestry;  // parent first, up to PID 1

  nlohmann::json to_json() const;  // contract miners[] field names
  // Paths, folder, name, hash, inode, pools and wallets of this miner.
  IncidentIndicators indicators() const;
};

}  // namespace unmine
