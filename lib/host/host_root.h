#pragma once
// The one seam between unmine and the host it inspects: a filesystem root (a live system or a mounted
// disk image), a procfs and a sysfs. Every file read goes through here, so absolute symlinks are resolved
// inside the root (openat2 RESOLVE_IN_ROOT) and never on the analyst's machine.
#include <sys/stat.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fd.h"

namespace unmine {

struct HostPaths {
  std::string root = "/";
  std::string proc;  // empty: contract default (/proc for root "/", else ROOT/proc)
  std::string sys;   // empty: same rule as proc
};

struct FileContent {
  std::string data;
  bool truncated = false;  // the file was larger than the limit asked for
  struct stat st {};
};

struct DirEntry {
  std::string name;        // raw bytes, may hold newlines or invalid UTF-8
  unsigned char type = 0;  // DT_* from readdir (DT_UNKNOWN on some filesystems)
};

class HostRoot {
 public:
  // Throws RuntimeError when the root is not a directory. A missing proc/sys is not an error: it means
  // no live state, and has_proc()/has_sys() say so.
  explicit HostRoot(const HostPaths& paths);

  const std::string& root_path() const { return root_path_; }
  const std::string& proc_path() const { return proc_path_; }
  const std::string& sys_path() const { return sys_path_; }
  bool is_live_root() const { return root_path_ == "/"; }
  bool has_proc() const { return bool(proc_fd_); }
  bool has_sys() const { return bool(sys_fd_); }
  // The procfs is a real, mounted procfs (not a fixture tree): live sockets via netlink, signals, pidfds.
  bool proc_is_live() const { return proc_live_; }

  // Files under the root. `path` is absolute as seen on the inspected host ("/etc/crontab").
  // Opens never block on FIFOs and never follow a symlink out of the root.
  UniqueFd open(std::string_view path, int flags = 0) const;
  std::optional<FileContent> read(std::string_view path, size_t max_bytes = kDefaultMax) const;
  std::optional<struct stat> stat(std::string_view path) const;   // follows symlinks inside the root
  std::optional<struct stat> lstat(std::string_view path) const;  // the entry itself
  std::optional<std::string> readlink(std::string_view path) const;
  // Empty when missing or unreadable. At most max_entries (readdir order); `more` says whether some were left.
  std::vector<DirEntry> list(std::string_view dir, size_t max_entries = SIZE_MAX, bool* more = nullptr) const;
  bool exists(std::string_view path) const { return stat(path).has_value(); }
  // The inode flags (FS_IOC_GETFLAGS: FS_IMMUTABLE_FL, FS_APPEND_FL, ...) of a regular file or folder;
  // nullopt for anything else (never opens a device) or where the filesystem keeps none.
  std::optional<unsigned> inode_flags(std::string_view path) const;
  // Where the path lives on the analyst's machine (for messages and for tools that need a path).
  std::string host_path(std::string_view path) const;

  // A file as process `pid` sees it (its mount namespace and chroot: a container's config). On a live
  // procfs through /proc/PID/root, resolved inside that root; when that root cannot be opened (no live
  // procfs, the process is gone) the same path under the root. A fixture procfs may give a process its own
  // root as a folder PID/root (a container's files). `path` is absolute in the process's view.
  std::optional<FileContent> read_as_process(int pid, std::string_view path, size_t max_bytes = kDefaultMax) const;

  // Files under proc and sys, relative to their mount ("self/status", "1234/cmdline").
  UniqueFd open_proc(std::string_view rel, int flags = 0) const;
  std::optional<FileContent> read_proc(std::string_view rel, size_t max_bytes = kDefaultMax) const;
  std::optional<std::string> readlink_proc(std::string_view rel) const;
  std::vector<DirEntry> list_proc(std::string_view rel) const;
  // The same, relative to a folder of the procfs opened with open_proc (a process's /proc/PID): each name
  // is looked up from there, not walked again from /proc. On a fixture procfs nothing leaves that folder.
  UniqueFd open_proc_at(int dirfd, const char* name, int flags = 0) const;
  // One file into `out` (replaced), up to max_bytes. A live procfs file is read without a stat and ends
  // at the first short read (what the kernel hands out in one go is all there is); a fixture's must be a
  // regular file. false when it cannot be opened or read (the process exited).
  bool read_proc_at(int dirfd, const char* name, std::string& out, size_t max_bytes = kDefaultMax) const;
  std::optional<std::string> readlink_proc_at(int dirfd, const char* name) const;
  std::optional<FileContent> read_sys(std::string_view rel, size_t max_bytes = kDefaultMax) const;
  std::vector<DirEntry> list_sys(std::string_view rel) const;

  static constexpr size_t kDefaultMax = 16u << 20;

 private:
  std::string root_path_, proc_path_, sys_path_;
  UniqueFd root_fd_, proc_fd_, sys_fd_;
  bool proc_live_ = false;
};

// Reads everything from fd up to max_bytes (regular files, procfs files whose st_size is 0, pipes).
std::optional<FileContent> read_fd(int fd, size_t max_bytes);
std::vector<DirEntry> list_fd(int dirfd, size_t max_entries = SIZE_MAX, bool* more = nullptr);

}  // namespace unmine
