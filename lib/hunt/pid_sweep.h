#pragma once
// Hidden processes: PIDs the kernel answers for (getsid, kill(pid, 0), getpgid) that a /proc listing does not
// show. The whole PID space up to PID_MAX_LIMIT is swept whatever pid_max says now (a rootkit may have
// lowered it after starting its process), in a tight syscall loop over both cores, without changing any
// setting. The listing is injected, so tests can hand in one that misses a PID.
#include <functional>
#include <set>
#include <string>
#include <vector>

namespace unmine {

inline constexpr int kPidMaxLimit = 4194304;  // PID_MAX_LIMIT on 64-bit Linux

// The kernel knows this PID (a process or a thread).
bool pid_exists(int pid);

// Every PID in [first, last] that pid_exists, ascending, using `threads` threads.
std::vector<int> sweep_pids(int first, int last, unsigned threads);

struct HiddenPid {
  int pid = 0;
  std::string comm;                   // printable, empty when /proc/PID cannot be read either
  std::string exe;                    // printable
  int tgid = 0;                       // 0 when unknown
  bool proc_readable = false;         // /proc/PID opens by name although the listing omits it
  std::vector<std::string> answered;  // which probes saw it: kill, getpgid, getsid
};

struct PidSweepResult {
  std::vector<HiddenPid> hidden;
  size_t alive = 0;   // PIDs the kernel answered for
  size_t listed = 0;  // PIDs (processes and their threads) the listing showed
  int last_pid = 0;
  double sweep_seconds = 0;
};

struct PidSweepOptions {
  int last_pid = kPidMaxLimit;
  unsigned threads = 2;
  std::string proc = "/proc";  // read for the re-check: status of each candidate
};

// list: the processes and threads a /proc listing shows (called twice: before the sweep and for the
// re-check, so short-lived processes that appear meanwhile are not reported).
PidSweepResult find_hidden_pids(const std::function<std::set<int>()>& list, const PidSweepOptions& options);

// The listing of a procfs with readdir: every numeric entry and the numeric entries of its task/.
std::set<int> list_proc_tasks(const std::string& proc);

}  // namespace unmine
