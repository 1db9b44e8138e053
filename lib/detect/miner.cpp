#include "detect/miner.h"

#include <filesystem>

#include "core/text.h"

namespace unmine {

nlohmann::json MinerInfo::to_json() const {
  nlohmann::json j;
  j["pid"] = proc.pid;
  j["ppid"] = proc.ppid;
  // Names, paths and arguments are attacker-chosen bytes: printable() keeps the JSON valid UTF-8.
  j["user"] = printable(proc.user);
  j["exe"] = printable(proc.exe);
  j["exe_deleted"] = proc.exe_deleted;
  j["exe_sha256"] = exe_sha256;
  auto& cl = j["cmdline"] = nlohmann::json::array();
  for (auto& a : proc.cmdline) cl.push_back(printable(a));
  j["cwd"] = printable(proc.cwd);
  j["started_at"] = proc.started_at;
  j["cpu_seconds"] = proc.cpu_seconds;
  j["family"] = family;
  if (!family_source.empty()) j["family_source"] = family_source;
  if (version) j["version"] = printable(*version);
  if (user_agent) j["user_agent"] = printable(*user_agent);
  if (algorithm) j["algorithm"] = printable(*algorithm);
  if (coin) j["coin"] = printable(*coin);
  if (worker) j["worker"] = printable(*worker);
  auto& w = j["wallets"] = nlohmann::json::array();
  for (auto& x : wallets)
    w.push_back({{"address", x.address}, {"coin", x.coin}, {"kind", x.kind}, {"checksum_valid", x.checksum_valid}});
  auto pool_list = [](const std::vector<PoolRef>& pools) {
    auto a = nlohmann::json::array();
    for (auto& x : pools)
      a.push_back({{"url", printable(x.url)},
                   {"host", printable(x.host)},
                   {"port", x.port},
                   {"tls", x.tls},
                   {"user", printable(x.user)},
                   {"source", x.source}});
    return a;
  };
  j["pools"] = pool_list(pools);
  if (!donation_pools.empty()) j["donation_pools"] = pool_list(donation_pools);
  if (packed) j["packed"] = *packed;
  if (config_path) j["config_path"] = printable(*config_path);
  if (config_valid) j["config_valid"] = *config_valid;
  auto& c = j["connections"] = nlohmann::json::array();
  for (auto& s : connections)
    c.push_back({{"proto", s.proto},
                 {"local", s.local_addr},
                 {"local_port", s.local_port},
                 {"remote", s.remote_addr},
                 {"remote_port", s.remote_port},
                 {"state", s.state}});
  auto& a = j["ancestry"] = nlohmann::json::array();
  for (auto& x : ancestry) a.push_back({{"pid", x.pid}, {"exe", printable(x.exe)}});
  if (proc.container)
    j["container"] = {{"runtime", proc.container->runtime},
                      {"id", printable(proc.container->id)},
                      {"image", printable(proc.container->image)}};
  return j;
}

IncidentIndicators MinerInfo::indicators() const {
  IncidentIndicators ind;
  if (!proc.exe.empty() && !proc.exe_memfd) {
    ind.paths.insert(proc.exe);
    auto dir = std::filesystem::path(proc.exe).parent_path().string();
    if (!is_generic_dir(dir)) ind.dirs.insert(dir);
    ind.names.insert(std::filesystem::path(proc.exe).filename().string());
  }
  if (config_path) ind.paths.insert(*config_path);
  if (!exe_sha256.empty()) ind.sha256s.insert(exe_sha256);
  if (proc.exe_ino) ind.inodes.insert({static_cast<uint64_t>(proc.exe_dev), static_cast<uint64_t>(proc.exe_ino)});
  for (auto& p : pools) {
    if (p.host.empty()) continue;
    bool ip = p.host.find_first_not_of("0123456789.") == std::string::npos || p.host.find(':') != std::string::npos;
    (ip ? ind.ips : ind.domains).insert(p.host);
    if (p.port) ind.ports.insert(p.port);
  }
  for (auto& s : connections) {
    ind.ips.insert(s.remote_addr);
    ind.ports.insert(s.remote_port);
  }
  for (auto& w : wallets)
    if (w.checksum_valid) ind.wallets.insert(w.address);
  return ind;
}

}  // namespace unmine
