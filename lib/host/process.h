#pragma once
// Processes as read from a procfs. Pure parsers of /proc/PID/* texts plus a reader over HostRoot.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct ContainerRef {
  std::string runtime;  // docker, containerd, cri-o, podman, lxc, kubepods
  std::string id;
  std::string image;  // when the runtime's metadata under the root names it
};

struct OpenFd {
  int fd = -1;
  std::string target;  // readlink of /proc/PID/fd/N: a path, "socket:[inode]", "pipe:[..]", "anon_inode:..."
};

struct Process {
  int pid = 0;
  int ppid = 0;
  uid_t uid = 0;
  std::string user;  // from /etc/passwd under the root, else the number
  std::string comm;
  char state = '?';
  std::vector<std::string> cmdline;  // raw bytes
  std::vector<std::string> environ;  // raw bytes, "KEY=value"; empty when unreadable
  std::string exe;                   // readlink of /proc/PID/exe, without " (deleted)"
  bool exe_deleted = false;
  bool exe_memfd = false;  // "/memfd:NAME (deleted)"
  dev_t exe_dev = 0;       // stat through /proc/PID/exe (live procfs only)
  ino_t exe_ino = 0;
  std::string cwd;
  uint64_t start_ticks = 0;  // field 22 of stat, clock ticks after boot
  int64_t started_at = 0;    // unix seconds; 0 when unknown
  double cpu_seconds = 0;    // utime + stime
  double cpu_share = 0;      // cpu_seconds / seconds alive (1.0 = one core all the time)
  bool kernel_thread = false;
  std::string mount_ns;  // readlink of /proc/PID/ns/mnt ("mnt:[4026531841]"), with kProcMountNs
  std::string cgroup;    // raw /proc/PID/cgroup
  std::optional<ContainerRef> container;
};

// The name a process is known by: its executable's file name, else (exe unreadable) its comm.
std::string_view program_name(const Process& p);

// --- pure parsers -------------------------------------------------------------------------------------

struct StatFields {
  int pid = 0;
  std::string comm;
  char state = '?';
  int ppid = 0;
  unsigned long flags = 0;
  uint64_t utime = 0, stime = 0;  // ticks
  uint64_t starttime = 0;         // ticks after boot
};
// /proc/PID/stat. comm may hold spaces and ')' (attacker-chosen), so it is cut at the last ')'.
std::optional<StatFields> parse_proc_stat(std::string_view text);

struct StatusFields {
  std::string name;
  int tgid = 0, ppid = 0;
  std::optional<uid_t> uid;  // real uid
};
std::optional<StatusFields> parse_proc_status(std::string_view text);

// The container a cgroup file places the process in (docker, containerd/k8s, cri-o, podman, lxc).
std::optional<ContainerRef> parse_cgroup_container(std::string_view cgroup_text);

// "btime" of /proc/stat: boot time in unix seconds.
std::optional<int64_t> parse_boot_time(std::string_view proc_stat_text);

// readlink("/proc/PID/exe") -> path, deleted, memfd.
struct ExeLink {
  std::string path;
  bool deleted = false;
  bool memfd = false;
};
ExeLink parse_exe_link(std::string_view link);

// --- reader --------------------------------------------------------------------------------------------

enum ProcFields : unsigned {
  kProcBasic = 0,  // stat, status, cmdline, exe, cwd (always read)
  kProcEnviron = 1u << 0,
  kProcCgroup = 1u << 1,
  // status left unread (the costliest file of the kernel's to write): uid 0 and user empty until
  // ProcReader::read_owner. For a pass over every process where only a few need their owner.
  kProcNoOwner = 1u << 2,
  kProcMountNs = 1u << 3,  // Process::mount_ns
};

class ProcReader {
 public:
  explicit ProcReader(const HostRoot& host);

  std::vector<int> pids() const;  // numeric entries of the procfs, sorted
  // nullopt when the process is gone (or exits mid-read: a half-read process is dropped, not guessed).
  std::optional<Process> read(int pid, unsigned fields = kProcBasic) const;
  std::vector<Process> all(unsigned fields = kProcBasic) const;
  // Fills uid and user of a process read with kProcNoOwner (left unknown, user empty, when it is gone).
  void read_owner(Process& p) const;
  std::vector<OpenFd> fds(int pid) const;
  std::optional<std::string> read_environ_var(int pid, std::string_view key) const;
  // CPU time a process has used so far, in nanoseconds: the sum of its threads' schedstat (nanosecond
  // precision; a miner's work is in its threads) when readable, else utime + stime of stat (clock ticks).
  std::optional<uint64_t> cpu_time_ns(int pid) const;

  int64_t boot_time() const { return boot_time_; }

 private:
  const HostRoot& host_;
  int64_t boot_time_ = 0;
  long ticks_ = 100;
  int64_t now_ = 0;
  std::vector<std::pair<uid_t, std::string>> users_;
  std::string user_name(uid_t uid) const;
};

// Recent CPU share of a few processes: the first reading is taken at construction and the second at
// finish(), so other work done in between is the sampling interval and a short scan waits only for the rest.
class CpuSampler {
 public:
  CpuSampler(const ProcReader& reader, const std::vector<int>& pids);
  // pid -> share of one core since construction (1.0 = one core busy). Waits until at least
  // min_interval has passed. Processes that exited or could not be read are left out.
  std::map<int, double> finish(std::chrono::milliseconds min_interval) const;

 private:
  const ProcReader& reader_;
  std::chrono::steady_clock::time_point start_;
  std::map<int, uint64_t> first_;
};

}  // namespace unmine
