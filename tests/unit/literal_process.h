#pragma once
// A process table row written as a literal, for tests of code that reads processes (kill plans, respawn
// watches): what /proc would say of a process with this exe and argv.
#include <cstdint>
#include <string>
#include <vector>

#include "core/text.h"
#include "host/process.h"

namespace unmine {

inline Process literal_process(int pid, int ppid, std::string exe, std::vector<std::string> argv, uint64_t ino = 0) {
  Process p;
  p.pid = pid;
  p.ppid = ppid;
  p.exe = std::move(exe);
  p.cmdline = std::move(argv);
  p.comm = p.cmdline.empty() ? "" : std::string(base_name(p.cmdline[0]).substr(0, 15));  // the kernel keeps 15 bytes
  p.start_ticks = 1000 + static_cast<uint64_t>(pid);
  p.exe_dev = ino ? 2049 : 0;
  p.exe_ino = ino;
  p.state = 'S';
  return p;
}

}  // namespace unmine
