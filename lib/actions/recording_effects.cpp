#include "actions/effects.h"

#include <cerrno>
#include <cstdio>

#include "core/error.h"

namespace unmine {

int RecordingEffects::pidfd_open(int pid) {
  calls.push_back("pidfd_open " + std::to_string(pid));
  if (absent.contains(pid)) {
    errno = ESRCH;
    return -1;
  }
  return 100000 + pid;  // never a real descriptor: pidfd_close() only records
}

bool RecordingEffects::pidfd_wait_exit(int, int pid, int) {
  calls.push_back("wait " + std::to_string(pid));
  return !survivors.contains(pid);
}

void RecordingEffects::pidfd_close(int) {}

bool RecordingEffects::signal_pidfd(int, int pid, int sig) {
  calls.push_back("signal " + std::to_string(pid) + " " + std::to_string(sig));
  return true;
}

void RecordingEffects::write_file(const HostRoot&, const std::string& path, const std::string& content, mode_t mode,
                                  uid_t uid, gid_t gid) {
  char m[8];
  std::snprintf(m, sizeof m, "%04o", static_cast<unsigned>(mode & 07777));
  calls.push_back("write " + path + " " + m + " " + std::to_string(uid) + ":" + std::to_string(gid) + " " +
                  std::to_string(content.size()) + "B");
}

void RecordingEffects::remove_file(const HostRoot&, const std::string& path) { calls.push_back("remove " + path); }

void Effects::make_symlink(const HostRoot&, const std::string&, const std::string& path) {
  throw RuntimeError("cannot create the symlink " + path + ": not supported by these effects");
}

void RecordingEffects::make_symlink(const HostRoot&, const std::string& target, const std::string& path) {
  calls.push_back("symlink " + path + " -> " + target);
}

void RecordingEffects::set_inode_flags(const HostRoot&, const std::string& path, unsigned flags) {
  calls.push_back("setflags " + path + " " + std::to_string(flags));
}

RunResult RecordingEffects::run(const std::vector<std::string>& argv, const std::string&) {
  std::string line = "run";
  for (auto& a : argv) line += " " + a;
  calls.push_back(line);
  if (canned.empty()) return {0, {}, {}};
  auto r = canned.front();
  canned.erase(canned.begin());
  return r;
}

}  // namespace unmine
