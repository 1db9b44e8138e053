#include "hunt/tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/case_file.h"
#include "core/fd.h"

namespace unmine {
namespace {

struct LinuxDirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

// Kernel-generated trees: walking them is slow, endless or meaningless for files an attacker dropped.
bool pseudo_filesystem(int fd) {
  struct statfs sf {};
  if (::fstatfs(fd, &sf) != 0) return true;
  switch (static_cast<unsigned long>(sf.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC:
    case BPF_FS_MAGIC:
    case DEVPTS_SUPER_MAGIC:
    case PSTOREFS_MAGIC:
    case 0x62656570 /* configfs */:
    case 0x65735543 /* fusectl */:
    case 0x42494e4d /* binfmt_misc */:
    case 0x19800202 /* mqueue */:
    case 0x6e736673 /* nsfs */: return true;
    default: return false;
  }
}

// A folder holding an unmine case database (by its header, not its name alone).
bool case_folder(int dirfd) {
  static const std::string name(kCaseDatabaseName);
  UniqueFd db(open_noatime(dirfd, name.c_str()));
  if (!db) return false;
  struct stat st {};
  if (::fstat(db.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  char head[100];
  auto n = ::pread(db.get(), head, sizeof head, 0);
  return n > 0 && is_case_database_header(std::string_view(head, static_cast<size_t>(n)));
}

constexpr uint64_t kDeepFoldersNamed = 10;

bool under(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return true;
  return path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/');
}

class Walker {
 public:
  Walker(const WalkOptions& o, const std::function<void(const WalkedFile&)>& v) : opt_(o), visit_(v) {}
  WalkStats stats;

  void dir(int fd, std::string& path, dev_t dev, bool hot, size_t depth) {
    ++stats.dirs;
    std::vector<char> buf(32u << 10);
    for (;;) {
      long n = ::syscall(SYS_getdents64, fd, buf.data(), buf.size());
      if (n <= 0) {
        if (n < 0) ++stats.unreadable_dirs;
        return;
      }
      for (long off = 0; off < n;) {
        auto* d = reinterpret_cast<LinuxDirent64*>(buf.data() + off);
        off += d->d_reclen;
        std::string_view name(d->d_name);
        if (name == "." || name == "..") continue;
        entry(fd, path, dev, hot, depth, name, d->d_type);
      }
    }
  }

 private:
  const WalkOptions& opt_;
  const std::function<void(const WalkedFile&)>& visit_;

  void entry(int fd, std::string& path, dev_t dev, bool hot, size_t depth, std::string_view name, unsigned char type) {
    if (type == DT_LNK || type == DT_CHR || type == DT_BLK || type == DT_FIFO || type == DT_SOCK) return;
    size_t keep = path.size();
    if (path.size() > 1) path += '/';
    path += name;
    struct statx st {};
    if (type == DT_REG || type == DT_UNKNOWN) {
      if (statx_at(fd, name.data(), st) /* d_name is NUL-terminated */) {
        if (S_ISREG(st.stx_mode)) {
          ++stats.files;
          visit_(WalkedFile{path, name, fd, &st, hot});
        } else if (S_ISDIR(st.stx_mode)) {
          type = DT_DIR;
        }
      }
    }
    if (type == DT_DIR) subdir(fd, path, dev, hot, depth, name);
    path.resize(keep);
  }

  void subdir(int fd, std::string& path, dev_t dev, bool hot, size_t depth, std::string_view name) {
    for (auto& s : opt_.skip)
      if (path == s) return;
    if (depth + 1 > opt_.max_depth) {
      if (stats.too_deep++ < kDeepFoldersNamed) stats.deep_folders.push_back(path);
      return;
    }
    UniqueFd sub(::openat(fd, name.data(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!sub) {
      ++stats.unreadable_dirs;
      return;
    }
    struct stat st {};
    if (::fstat(sub.get(), &st) != 0) return;
    if (st.st_dev != dev && pseudo_filesystem(sub.get())) {
      ++stats.pseudo_fs_skipped;
      return;
    }
    if (case_folder(sub.get())) {
      if (opt_.case_registry && opt_.case_registry->holds(sub.get(), st.st_ino)) {
        stats.case_folders.push_back(path);
        return;
      }
      stats.unregistered_case_folders.push_back(path);
    }
    bool sub_hot = hot || is_hot(path, name);
    dir(sub.get(), path, st.st_dev, sub_hot, depth + 1);
  }

  bool is_hot(std::string_view path, std::string_view name) const {
    for (auto& p : opt_.hot_prefixes)
      if (under(path, p)) return true;
    if (name.size() > 1 && name.front() == '.')
      return std::find(opt_.benign_dot_dirs.begin(), opt_.benign_dot_dirs.end(), name) == opt_.benign_dot_dirs.end();
    return false;
  }
};

}  // namespace

bool statx_at(int dirfd, const char* name, struct statx& out) {
  return ::statx(dirfd, name, AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC | AT_NO_AUTOMOUNT,
                 STATX_BASIC_STATS | STATX_BTIME, &out) == 0;
}

bool statx_fd(int fd, struct statx& out) {
  return ::statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BASIC_STATS | STATX_BTIME, &out) == 0;
}

int open_noatime(int dirfd, const char* name) {
  int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  int fd = ::openat(dirfd, name, flags | O_NOATIME);
  // O_NOATIME needs ownership or CAP_FOWNER; without it, reading is still better than not looking.
  if (fd < 0 && errno == EPERM) fd = ::openat(dirfd, name, flags);
  return fd;
}

int64_t stx_birth(const struct statx& st) { return (st.stx_mask & STATX_BTIME) ? st.stx_btime.tv_sec : 0; }

WalkStats walk_tree(const HostRoot& host, std::string_view start, const WalkOptions& options,
                    const std::function<void(const WalkedFile&)>& visit) {
  Walker w(options, visit);
  auto fd = host.open(start, O_RDONLY | O_DIRECTORY);
  if (!fd) {
    ++w.stats.unreadable_dirs;
    return w.stats;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || pseudo_filesystem(fd.get())) return w.stats;
  std::string path(start.empty() ? "/" : start);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  bool hot = false;
  for (auto& p : options.hot_prefixes) hot |= under(path, p);
  w.dir(fd.get(), path, st.st_dev, hot, 0);
  return w.stats;
}

}  // namespace unmine
