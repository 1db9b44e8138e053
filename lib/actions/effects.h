#pragma once
// Everything that changes the host goes through Effects: a real implementation and a recording one, so
// plans, dry runs and tests exercise the same code paths as --apply.
#include <sys/types.h>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "host/system_tool.h"

namespace unmine {

class Effects {
 public:
  virtual ~Effects() = default;

  // A pidfd for the process that holds `pid` now; -1 (errno set: ESRCH gone, ENOSYS old kernel) otherwise.
  virtual int pidfd_open(int pid) = 0;
  // Signals a process through a pidfd taken earlier, so a recycled PID is never hit.
  virtual bool signal_pidfd(int pidfd, int pid, int sig) = 0;
  // Waits up to timeout_ms for the process behind a pidfd to exit; reaps it when it is our child.
  virtual bool pidfd_wait_exit(int pidfd, int pid, int timeout_ms) = 0;
  virtual void pidfd_close(int pidfd) = 0;
  // Writes a file under the root atomically (temp file in the same directory + rename), with mode/owner.
  virtual void write_file(const HostRoot& host, const std::string& path, const std::string& content, mode_t mode,
                          uid_t uid, gid_t gid) = 0;
  virtual void remove_file(const HostRoot& host, const std::string& path) = 0;
  // Creates a symlink under the root (unpersist --undo restores wants/ and rc?.d links). Implementations
  // that cannot are told so by the default.
  virtual void make_symlink(const HostRoot& host, const std::string& target, const std::string& path);
  // Sets the inode flags (FS_IOC_SETFLAGS: immutable, append-only) of a file under the root.
  virtual void set_inode_flags(const HostRoot& host, const std::string& path, unsigned flags) = 0;
  // Runs an absolute-path system tool (never via PATH) with a fixed environment (run_system_tool), for a
  // run that changes the host; read-only runs take a ToolRunner (host/system_tool.h).
  virtual RunResult run(const std::vector<std::string>& argv, const std::string& stdin_data = {}) = 0;
  // Runs one nftables JSON document (commands in, JSON listing out for list commands): libnftables when
  // linked in, else /usr/sbin/nft -j -f - with the document on stdin. exit_code 0 on success.
  virtual RunResult nft_json(const std::string& document) { return run({"/usr/sbin/nft", "-j", "-f", "-"}, document); }
};

std::unique_ptr<Effects> make_real_effects();

// Records each call as one line ("signal 1234 9", "write /etc/crontab 0644", ...), changes nothing.
// run() answers from a queue of canned results (default: exit 0, empty output). pidfd_open fails for the
// PIDs in `absent`; the processes in `survivors` never exit.
class RecordingEffects : public Effects {
 public:
  std::vector<std::string> calls;
  std::vector<RunResult> canned;
  std::set<int> absent;
  std::set<int> survivors;

  int pidfd_open(int pid) override;
  bool signal_pidfd(int pidfd, int pid, int sig) override;
  bool pidfd_wait_exit(int pidfd, int pid, int timeout_ms) override;
  void pidfd_close(int pidfd) override;
  void write_file(const HostRoot& host, const std::string& path, const std::string& content, mode_t mode, uid_t uid,
                  gid_t gid) override;
  void remove_file(const HostRoot& host, const std::string& path) override;
  void make_symlink(const HostRoot& host, const std::string& target, const std::string& path) override;
  void set_inode_flags(const HostRoot& host, const std::string& path, unsigned flags) override;
  RunResult run(const std::vector<std::string>& argv, const std::string& stdin_data) override;
};

}  // namespace unmine
