#include "actions/effects.h"

#include <cstdio>

namespace unmine {

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
