#pragma once
// A fast, bounded walk of a file tree under the root: getdents64 on directory fds (so a userland readdir
// hook cannot hide entries), statx with birth time, never following a symlink, never entering pseudo
// filesystems (proc, sysfs, cgroup, ...). Memory stays bounded by the depth limit.
#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "case/case_registry.h"
#include "host/host_root.h"

namespace unmine {

struct WalkedFile {
  std::string_view path;  // as seen inside the root ("/tmp/.x/run")
  std::string_view name;  // last component, raw bytes
  int dirfd = -1;         // the open directory holding it (valid during the callback only)
  const struct statx* st = nullptr;
  bool hot = false;  // under a folder scanned whatever the window (tmp folders, web roots, hidden folders)
};

struct WalkOptions {
  std::vector<std::string> skip;             // folders never entered ("/proc", "/sys")
  std::vector<std::string> hot_prefixes;     // folders whose whole content is hot
  std::vector<std::string> benign_dot_dirs;  // hidden folder names that do not make content hot (".cache")
  size_t max_depth = 96;
  const CaseRegistry* case_registry = nullptr;  // case folders this machine's unmine created: not entered
};

struct WalkStats {
  uint64_t dirs = 0, files = 0, unreadable_dirs = 0, pseudo_fs_skipped = 0, too_deep = 0;
  std::vector<std::string> case_folders;               // other unmine cases, not entered: their evidence holds miners
  std::vector<std::string> unregistered_case_folders;  // a case database no case of this machine: entered
  std::vector<std::string> deep_folders;               // folders not entered for the depth limit (the first few)
};

// Calls visit for each regular file under `start` (a path inside the root).
WalkStats walk_tree(const HostRoot& host, std::string_view start, const WalkOptions& options,
                    const std::function<void(const WalkedFile&)>& visit);

// statx of one entry of a directory (no symlink following), with birth time when the filesystem has it.
bool statx_at(int dirfd, const char* name, struct statx& out);

// statx of an open descriptor (O_PATH is enough).
bool statx_fd(int fd, struct statx& out);

// Opens an entry for reading without following symlinks, without blocking and without touching its
// access time (the atime is evidence of what the attacker read).
int open_noatime(int dirfd, const char* name);

// Seconds of a statx timestamp; birth time is 0 when the filesystem does not record it.
inline int64_t stx_time(const struct statx_timestamp& t) { return t.tv_sec; }
int64_t stx_birth(const struct statx& st);

}  // namespace unmine
