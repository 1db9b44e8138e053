#pragma once
// Which processes `kill` stops and kills, and why: the miner's whole tree (descendants, the ancestors that
// belong to the attack, other processes of the same executable inode), never a protected process. Pure
// over a process table, so every rule is tested on literals; plan_kill_live() reads the table.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "host/process.h"
#include "model/finding.h"
#include "model/incident.h"

namespace unmine {

// A process the responder (or triage) asked to kill.
struct KillSeed {
  int pid = 0;
  std::string reason;  // the finding id that reports it, or "--pid"
};

enum class KillRole { miner, same_inode, ancestor, descendant };
std::string_view to_string(KillRole r);

struct KillTarget {
  int pid = 0;
  int ppid = 0;
  std::string exe;  // raw bytes, as /proc/PID/exe reads
  std::vector<std::string> cmdline;
  uint64_t start_ticks = 0;  // identifies the process across PID reuse
  std::string user;
  std::string comm;
  uint64_t exe_dev = 0, exe_ino = 0;  // the running image's file (0 when unknown)

  static KillTarget of(const Process& p);
  nlohmann::json to_json() const;  // printable strings
};

struct KillPlanEntry {
  KillTarget target;
  KillRole role = KillRole::miner;
  std::string reason;  // finding id, "--pid", "descendant of PID N", "ancestor: watchdog from /tmp", ...
  int tree = 0;        // the seed PID this member was planned for
  int depth = 0;       // distance from the topmost member of its tree: stop and kill parents first

  nlohmann::json to_json() const;  // contract plan[] entry: kind "kill", target, reason
};

struct KillExclusion {
  int pid = 0;
  std::string exe;
  std::string comm;
  std::string why;
  nlohmann::json to_json() const;
};

struct KillPlan {
  std::vector<KillPlanEntry> members;  // parents before children
  std::vector<KillExclusion> excluded;
  std::vector<std::string> notes;

  const KillPlanEntry* find(int pid) const;
};

struct KillPlanInput {
  std::vector<Process> table;
  std::vector<KillSeed> seeds;
  IncidentIndicators incident;         // what ties an ancestor to the attack
  std::map<int, std::string> scripts;  // pid -> text of the script an interpreter runs (see script_path)
  int self_pid = 0;                    // unmine: it and its ancestors are never members
};

KillPlan plan_kill(const KillPlanInput& input);

// Why a process is never killed (PID 1, sshd, a service manager, the message bus, a systemd daemon, a
// container runtime, a kernel thread, a login or interactive shell, a job scheduler), or nullopt. `as_descendant` drops
// the shell rules: a shell forked by the miner (a reverse shell) belongs to the attack.
std::optional<std::string> protected_reason(const Process& p, bool as_descendant);

// The script file an interpreter process runs ("sh /tmp/.x/run.sh" -> "/tmp/.x/run.sh", relative paths
// against its cwd), or nullopt (not an interpreter, "-c" text, interactive).
std::optional<std::string> script_path(const Process& p);

// Reads the live table (or the --proc tree), the scripts interpreters run, and plans.
KillPlan plan_kill_live(const HostRoot& host, const std::vector<KillSeed>& seeds, const IncidentIndicators& incident);

}  // namespace unmine
