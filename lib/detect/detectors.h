#pragma once
// validate's detectors, one file each (detect_*.cpp): each turns what the host readers returned into
// findings of one attack-chain group. run_triage (triage.cpp) reads the host once and calls them.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "detect/miner.h"
#include "host/dns.h"
#include "host/host_root.h"
#include "host/process.h"
#include "host/sockets.h"
#include "model/finding.h"
#include "playbook/indicators.h"

namespace unmine {

// Miner signals of one process, before profiling.
struct ProcessSignals {
  std::vector<Finding> findings;  // miner (and hiding for a deleted image or a kernel thread's name) group
  Severity strongest = Severity::info;
  bool profile = false;                                 // worth a full profile (config, image, connections)
  bool cpu_candidate = false;                           // sample its recent CPU
  std::vector<std::pair<std::string, uint16_t>> pools;  // host, port named by its command line
  std::optional<std::string> nearby_config;  // a miner's config beside its executable or in its working folder
};

// Lifetime CPU share from which a process's recent CPU is sampled (0.5 = half a core since it started).
inline constexpr double kBusyShare = 0.5;

// Miner configs where XMRig looks by default (config.json beside the executable, then in the working
// folder), read as each process sees its files (/proc/PID/root: a container's own). One read per folder
// of a mount namespace, however many processes share it.
class NearbyConfigs {
 public:
  NearbyConfigs(const HostRoot& host, const Indicators& ind) : host_(host), ind_(ind) {}
  // The path (in the process's view) of a config that looks like a miner's: pools, a wallet, or a family's keys.
  std::optional<std::string> find(const Process& p);

 private:
  const HostRoot& host_;
  const Indicators& ind_;
  std::map<std::string, bool> seen_;  // mount namespace + folder -> holds a miner's config
};

// detect_process.cpp: command line, names, environment, drop paths, deleted or memfd image, a kernel
// thread's name, a miner's config nearby, sustained CPU from an odd place. With no configs given, nearby
// configs are not looked for.
ProcessSignals detect_process(const Process& p, const Indicators& ind, NearbyConfigs* configs = nullptr);
// The recent CPU of a process, sampled: a finding when it stays busy. Alone it is context (info): builds
// and databases are busy too; beside other miner signals it is evidence.
std::optional<Finding> detect_cpu(const Process& p, double recent_share, bool other_miner_signals);

// detect_network.cpp: connections to pools and pool names (cmdline/config, hosts file, DNS cache).
struct NetworkInput {
  const std::vector<MinerInfo>* miners = nullptr;
  const SocketScan* sockets = nullptr;
  const DnsState* dns = nullptr;
  std::vector<int> candidate_pids;     // searched first for owners
  std::set<uint16_t> listening_ports;  // local TCP ports something listens on: sockets there are inbound
  // The persistence scan reports each hosts line naming a pool (as an artifact unpersist can remove); when
  // it runs, the hosts file only feeds pool addresses here, so a line is one finding, not two.
  bool hosts_findings = true;
};
// A connection that went out to a stratum-only port (inbound ones are told apart by their local port).
bool to_stratum_port(const SocketEntry& s, const Indicators& ind, const std::set<uint16_t>& listening_ports);
std::vector<Finding> detect_network(const NetworkInput& in, const Indicators& ind, const SocketReader& reader,
                                    const std::map<int, const Process*>& by_pid);

// detect_system.cpp: msr writes, huge pages, tuning sysctls, `modprobe msr` in scripts, miner tuning flags.
std::vector<Finding> detect_system(const HostRoot& host, const std::vector<MinerInfo>& miners,
                                   const std::vector<const Process*>& candidates, bool msr_fd_scan_all);

// detect_hiding.cpp: /etc/ld.so.preload.
std::vector<Finding> detect_hiding(const HostRoot& host);

// What the host-wide detectors read, gathered once by run_triage after every process is profiled.
struct DetectorInput {
  const HostRoot& host;
  const Indicators& ind;
  const std::vector<MinerInfo>& miners;
  const std::vector<const Process*>& candidates;
  const NetworkInput& network;
  const SocketReader& sockets;
  const std::map<int, const Process*>& by_pid;
};

// When a detector's findings join validate's result. Persistence is no detector of this table: it needs
// the miners' indicators and runs between the two slots; every detector runs before it (hiding's preload
// findings decide which of persistence's preload findings are kept).
enum class DetectorSlot { before_persistence, after_persistence };

struct Detector {
  DetectorSlot slot;
  std::string_view name;
  std::vector<Finding> (*run)(const DetectorInput& in);
};

// The host-wide detectors in the order their findings join the result (detectors.cpp). Adding one: a
// detect_NAME.cpp and one line in the table. Per-process detection (detect_process, detect_cpu) stays in
// run_triage: it decides which processes the others look at.
const std::vector<Detector>& host_detectors();

// Shared helpers.
// Folders packages install into: a deleted image there is most likely an upgrade, not a dropper.
bool is_system_path(std::string_view path);
// The process's command line joined with spaces, printable, cut at max bytes.
std::string cmdline_text(const Process& p, size_t max = 4096);
// "pid 42 (xmrig)"
std::string describe(const Process& p);

}  // namespace unmine
