#include "host/host_root.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace unmine {
namespace {

int sys_openat2(int dirfd, const char* path, int flags, uint64_t resolve) {
  struct open_how how {};
  // openat2 rejects O_NOCTTY together with O_PATH.
  how.flags = static_cast<uint64_t>(flags) | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY);
  how.resolve = resolve;
  return static_cast<int>(::syscall(SYS_openat2, dirfd, path, &how, sizeof how));
}

// "/etc/crontab" -> "etc/crontab"; "/" -> "."
std::string relative(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return path.empty() ? std::string(".") : std::string(path);
}

std::string join(std::string_view a, std::string_view b) {
  std::string out(a);
  if (out.empty() || out.back() != '/') out += '/';
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out.append(b);
  return out;
}

UniqueFd open_dir(const std::string& path) { return UniqueFd(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)); }

// Splits "/a/b/c" into the parent ("/a/b") and the last component ("c").
std::pair<std::string, std::string> split_last(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return {"/", std::string(path)};
  return {slash == 0 ? std::string("/") : std::string(path.substr(0, slash)), std::string(path.substr(slash + 1))};
}

}  // namespace

HostRoot::HostRoot(const HostPaths& paths) : root_path_(paths.root.empty() ? "/" : paths.root) {
  while (root_path_.size() > 1 && root_path_.back() == '/') root_path_.pop_back();
  root_fd_ = open_dir(root_path_);
  if (!root_fd_) throw RuntimeError("--root " + root_path_ + ": " + std::strerror(errno));
  proc_path_ = !paths.proc.empty() ? paths.proc : (is_live_root() ? std::string("/proc") : join(root_path_, "proc"));
  sys_path_ = !paths.sys.empty() ? paths.sys : (is_live_root() ? std::string("/sys") : join(root_path_, "sys"));
  proc_fd_ = open_dir(proc_path_);
  sys_fd_ = open_dir(sys_path_);
  if (proc_fd_) {
    struct statfs sf {};
    proc_live_ = ::fstatfs(proc_fd_.get(), &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
  } else if (!paths.proc.empty()) {
    throw RuntimeError("--proc " + proc_path_ + ": " + std::strerror(errno));
  }  // else: no procfs; has_proc() says so and each command notes what it could not read
  if (!sys_fd_ && !paths.sys.empty()) throw RuntimeError("--sys " + sys_path_ + ": " + std::strerror(errno));
}

UniqueFd HostRoot::open(std::string_view path, int flags) const {
  auto rel = relative(path);
  return UniqueFd(sys_openat2(root_fd_.get(), rel.c_str(), flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
}

std::optional<FileContent> HostRoot::read(std::string_view path, size_t max_bytes) const {
  auto fd = open(path, O_RDONLY | O_NONBLOCK);
  if (!fd) return std::nullopt;
  return read_fd(fd.get(), max_bytes);
}

std::optional<struct stat> HostRoot::stat(std::string_view path) const {
  auto fd = open(path, O_PATH);
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  return st;
}

std::optional<unsigned> HostRoot::inode_flags(std::string_view path) const {
  auto st = stat(path);
  if (!st || !(S_ISREG(st->st_mode) || S_ISDIR(st->st_mode))) return std::nullopt;
  auto fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  int flags = 0;
  if (!fd || ::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) != 0) return std::nullopt;
  return static_cast<unsigned>(flags);
}

std::optional<struct stat> HostRoot::lstat(std::string_view path) const {
  auto [parent, name] = split_last(path);
  if (name.empty()) return stat("/");
  auto dir = open(parent, O_PATH | O_DIRECTORY);
  struct stat st {};
  if (!dir || ::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
  return st;
}

std::optional<std::string> HostRoot::readlink(std::string_view path) const {
  auto [parent, name] = split_last(path);
  auto dir = open(parent, O_PATH | O_DIRECTORY);
  if (!dir) return std::nullopt;
  char buf[4096];
  auto n = ::readlinkat(dir.get(), name.c_str(), buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<DirEntry> HostRoot::list(std::string_view dir, size_t max_entries, bool* more) const {
  if (more) *more = false;
  auto fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (!fd) return {};
  return list_fd(fd.get(), max_entries, more);
}

std::string HostRoot::host_path(std::string_view path) const {
  if (is_live_root()) return std::string(path);
  return join(root_path_, path);
}

std::optional<FileContent> HostRoot::read_as_process(int pid, std::string_view path, size_t max_bytes) const {
  if (proc_live_) {
    if (auto proc_root = open_proc(std::to_string(pid) + "/root", O_PATH | O_DIRECTORY)) {
      auto rel = relative(path);
      UniqueFd fd(
          sys_openat2(proc_root.get(), rel.c_str(), O_RDONLY | O_NONBLOCK, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
      if (!fd) return std::nullopt;  // absent in the process's view: the host's file of that name is another
      return read_fd(fd.get(), max_bytes);
    }
  } else if (proc_fd_) {
    // A fixture procfs may hold a process's own root as a real folder (a container's files); a symlink
    // there is not followed, it would lead back into the fixture.
    UniqueFd proc_root(sys_openat2(proc_fd_.get(), (std::to_string(pid) + "/root").c_str(), O_PATH | O_DIRECTORY,
                                   RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS));
    if (proc_root) {
      auto rel = relative(path);
      UniqueFd fd(
          sys_openat2(proc_root.get(), rel.c_str(), O_RDONLY | O_NONBLOCK, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
      if (!fd) return std::nullopt;
      return read_fd(fd.get(), max_bytes);
    }
  }
  return read(path, max_bytes);
}

UniqueFd HostRoot::open_proc(std::string_view rel, int flags) const {
  if (!proc_fd_) return {};
  auto r = relative(rel);
  // A live procfs is the kernel's: its magic links (/proc/PID/exe) are what preserve reads. A fixture
  // procfs is attacker-shaped data like any other file tree: stay inside it.
  if (proc_live_) return UniqueFd(::openat(proc_fd_.get(), r.c_str(), flags | O_CLOEXEC | O_NOCTTY));
  return UniqueFd(sys_openat2(proc_fd_.get(), r.c_str(), flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
}

std::optional<FileContent> HostRoot::read_proc(std::string_view rel, size_t max_bytes) const {
  auto fd = open_proc(rel, O_RDONLY | O_NONBLOCK);
  if (!fd) return std::nullopt;
  return read_fd(fd.get(), max_bytes);
}

UniqueFd HostRoot::open_proc_at(int dirfd, const char* name, int flags) const {
  if (proc_live_) return UniqueFd(::openat(dirfd, name, flags | O_CLOEXEC | O_NOCTTY));
  return UniqueFd(sys_openat2(dirfd, name, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
}

bool HostRoot::read_proc_at(int dirfd, const char* name, std::string& out, size_t max_bytes) const {
  auto fd = open_proc_at(dirfd, name, O_RDONLY | O_NONBLOCK);
  if (!fd) return false;
  if (!proc_live_) {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  }
  // Most /proc files fit a page: one read into a stack buffer, one copy out.
  char page[4096];
  ssize_t n;
  do n = ::read(fd.get(), page, std::min(sizeof page, max_bytes));
  while (n < 0 && errno == EINTR);
  if (n < 0) return false;
  out.assign(page, static_cast<size_t>(n));
  if (static_cast<size_t>(n) < sizeof page || out.size() >= max_bytes) return true;
  for (;;) {
    size_t got = out.size();
    if (got >= max_bytes) break;
    out.resize(std::min(max_bytes, got * 2));
    do n = ::read(fd.get(), out.data() + got, out.size() - got);
    while (n < 0 && errno == EINTR);
    out.resize(got + static_cast<size_t>(std::max<ssize_t>(n, 0)));
    if (n <= 0) break;
  }
  return true;
}

std::optional<std::string> HostRoot::readlink_proc_at(int dirfd, const char* name) const {
  char buf[4096];
  auto n = ::readlinkat(dirfd, name, buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::optional<std::string> HostRoot::readlink_proc(std::string_view rel) const {
  if (!proc_fd_) return std::nullopt;
  auto r = relative(rel);
  char buf[4096];
  auto n = ::readlinkat(proc_fd_.get(), r.c_str(), buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

std::vector<DirEntry> HostRoot::list_proc(std::string_view rel) const {
  auto fd = open_proc(rel, O_RDONLY | O_DIRECTORY);
  if (!fd) return {};
  return list_fd(fd.get());
}

std::optional<FileContent> HostRoot::read_sys(std::string_view rel, size_t max_bytes) const {
  if (!sys_fd_) return std::nullopt;
  auto r = relative(rel);
  UniqueFd fd(sys_openat2(sys_fd_.get(), r.c_str(), O_RDONLY | O_NONBLOCK, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  if (!fd) return std::nullopt;
  return read_fd(fd.get(), max_bytes);
}

std::vector<DirEntry> HostRoot::list_sys(std::string_view rel) const {
  if (!sys_fd_) return {};
  auto r = relative(rel);
  UniqueFd fd(sys_openat2(sys_fd_.get(), r.c_str(), O_RDONLY | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS));
  if (!fd) return {};
  return list_fd(fd.get());
}

std::optional<FileContent> read_fd(int fd, size_t max_bytes) {
  FileContent out;
  if (::fstat(fd, &out.st) != 0) return std::nullopt;
  // FIFOs, sockets and devices could block or never end: only regular files are read.
  if (!S_ISREG(out.st.st_mode)) return std::nullopt;
  size_t want = out.st.st_size > 0 ? std::min<size_t>(static_cast<size_t>(out.st.st_size), max_bytes) : 4096;
  out.data.resize(want);
  size_t got = 0;
  for (;;) {
    if (got == out.data.size()) {
      if (got >= max_bytes) {
        char probe;
        out.truncated = ::read(fd, &probe, 1) == 1;
        break;
      }
      // The buffer is full: whether more follows is asked with a small read first, so a file that did not
      // grow since fstat keeps a buffer of its own size (not twice it, zero-filled).
      char more[4096];
      auto n = ::read(fd, more, std::min(sizeof more, max_bytes - got));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (got == 0) return std::nullopt;
        break;
      }
      if (n == 0) break;
      auto extra = static_cast<size_t>(n);
      out.data.resize(std::min(max_bytes, std::max<size_t>({got * 2, got + extra, 4096})));
      std::memcpy(out.data.data() + got, more, extra);
      got += extra;
      continue;
    }
    auto n = ::read(fd, out.data.data() + got, out.data.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (got == 0) return std::nullopt;  // e.g. ESRCH: the process exited mid-read
      break;
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.data.resize(got);
  return out;
}

std::vector<DirEntry> list_fd(int dirfd, size_t max_entries, bool* more) {
  std::vector<DirEntry> out;
  if (more) *more = false;
  int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return out;
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return out;
  }
  while (auto* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    if (out.size() >= max_entries) {
      if (more) *more = true;
      break;
    }
    out.push_back({e->d_name, e->d_type});
  }
  ::closedir(d);
  return out;
}

}  // namespace unmine
