#pragma once
// Everything that changes the host goes through Effects: a real implementation and a recording one, so
// plans, dry runs and tests exercise the same code paths as --apply.
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct RunResult {
  int exit_code = -1;  // -1: could not start
  std::string out, err;
};

class Effects {
 public:
  virtual ~Effects() = default;

  // Signals a process through a pidfd taken earlier, so a recycled PID is never hit.
  virtual bool signal_pidfd(int pidfd, int pid, int sig) = 0;
  // Writes a file under the root atomically (temp file in the same directory + rename), with mode/owner.
  virtual void write_file(const HostRoot& host, const std::string& path, const std::string& content, mode_t mode,
                          uid_t uid, gid_t gid) = 0;
  virtual void remove_file(const HostRoot& host, const std::string& path) = 0;
  // Sets the inode flags (FS_IOC_SETFLAGS: immutable, append-only) of a file under the root.
  virtual void set_inode_flags(const HostRoot& host, const std::string& path, unsigned flags) = 0;
  // Runs an absolute-path system tool (never via PATH) with an empty, fixed environment.
  virtual RunResult run(const std::vector<std::string>& argv, const std::string& stdin_data = {}) = 0;
};

std::unique_ptr<Effects> make_real_effects();

// Records each call as one line ("signal 1234 9", "write /etc/crontab 0644", ...), changes nothing.
// run() answers from a queue of canned results (default: exit 0, empty output).
class RecordingEffects : public Effects {
 public:
  std::vector<std::string> calls;
  std::vector<RunResult> canned;

  bool signal_pidfd(int pidfd, int pid, int sig) override;
  void write_file(const HostRoot& host, const std::string& path, const std::string& content, mode_t mode, uid_t uid,
                  gid_t gid) override;
  void remove_file(const HostRoot& host, const std::string& path) override;
  void set_inode_flags(const HostRoot& host, const std::string& path, unsigned flags) override;
  RunResult run(const std::vector<std::string>& argv, const std::string& stdin_data) override;
};

}  // namespace unmine
