#pragma once
// What code that acts on processes reads while it works (kill's freeze checks, the respawn watch): the
// live procfs in production, a literal table in tests.
#include <optional>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "host/process.h"

namespace unmine {

class ProcessSource {
 public:
  virtual ~ProcessSource() = default;
  // nullopt when the process is gone.
  virtual std::optional<Process> read(int pid) const = 0;
  virtual std::vector<Process> all() const = 0;
  // SHA-256 of the running image (/proc/PID/exe, also deleted or memfd), "" when unreadable.
  virtual std::string exe_sha256(int pid) const = 0;
};

class LiveProcesses : public ProcessSource {
 public:
  explicit LiveProcesses(const HostRoot& host, unsigned fields = kProcBasic)
      : host_(host), reader_(host), fields_(fields) {}
  std::optional<Process> read(int pid) const override { return reader_.read(pid, fields_); }
  std::vector<Process> all() const override { return reader_.all(fields_); }
  std::string exe_sha256(int pid) const override;

 private:
  const HostRoot& host_;
  ProcReader reader_;
  unsigned fields_;
};

}  // namespace unmine
