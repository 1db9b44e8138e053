#include <fcntl.h>
#include <linux/fs.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <random>

#ifdef UNMINE_HAVE_LIBNFTABLES
#include <nftables/libnftables.h>
#endif

#include "actions/effects.h"
#include "core/error.h"

namespace unmine {
namespace {

std::pair<std::string, std::string> split_last(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {"/", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

class RealEffects : public Effects {
 public:
  int pidfd_open(int pid) override { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

  bool signal_pidfd(int pidfd, int, int sig) override {
    return ::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) == 0;
  }

  bool pidfd_wait_exit(int pidfd, int, int timeout_ms) override {
    struct pollfd p = {pidfd, POLLIN, 0};
    int rc;
    while ((rc = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {}
    if (rc <= 0) return false;
    // Our own child stays a zombie until reaped; anyone else's is reaped by its (new) parent.
    siginfo_t info{};
    ::waitid(P_PIDFD, static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG);
    return true;
  }

  void pidfd_close(int pidfd) override { ::close(pidfd); }

  void write_file(const HostRoot& host, const std::string& path, const std::string& content, mode_t mode, uid_t uid,
                  gid_t gid) override {
    auto [parent, name] = split_last(path);
    auto dir = host.open(parent, O_PATH | O_DIRECTORY);
    if (!dir) throw RuntimeError("cannot open " + parent + ": " + std::strerror(errno));
    std::string tmp = "." + name + ".unmine-" + std::to_string(std::random_device{}());
    UniqueFd fd(::openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw RuntimeError("cannot create a temporary file beside " + path + ": " + std::strerror(errno));
    size_t off = 0;
    while (off < content.size()) {
      auto n = ::write(fd.get(), content.data() + off, content.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int e = errno;
        ::unlinkat(dir.get(), tmp.c_str(), 0);
        throw RuntimeError("writing " + path + ": " + std::strerror(e));
      }
      off += static_cast<size_t>(n);
    }
    if (::fchown(fd.get(), uid, gid) != 0 || ::fchmod(fd.get(), mode & 07777) != 0 || ::fsync(fd.get()) != 0 ||
        ::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
      int e = errno;
      ::unlinkat(dir.get(), tmp.c_str(), 0);
      throw RuntimeError("replacing " + path + ": " + std::strerror(e));
    }
    ::fsync(dir.get());
  }

  void remove_file(const HostRoot& host, const std::string& path) override {
    auto [parent, name] = split_last(path);
    auto dir = host.open(parent, O_PATH | O_DIRECTORY);
    if (!dir || ::unlinkat(dir.get(), name.c_str(), 0) != 0)
      throw RuntimeError("cannot remove " + path + ": " + std::strerror(errno));
    ::fsync(dir.get());
  }

  void make_symlink(const HostRoot& host, const std::string& target, const std::string& path) override {
    auto [parent, name] = split_last(path);
    auto dir = host.open(parent, O_PATH | O_DIRECTORY);
    if (!dir || ::symlinkat(target.c_str(), dir.get(), name.c_str()) != 0)
      throw RuntimeError("cannot create the symlink " + path + ": " + std::strerror(errno));
    ::fsync(dir.get());
  }

  void set_inode_flags(const HostRoot& host, const std::string& path, unsigned flags) override {
    auto fd = host.open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
    int f = static_cast<int>(flags);
    if (!fd || ::ioctl(fd.get(), FS_IOC_SETFLAGS, &f) != 0)
      throw RuntimeError("cannot set attributes of " + path + ": " + std::strerror(errno));
  }

  RunResult run(const std::vector<std::string>& argv, const std::string& stdin_data) override {
    return run_system_tool(argv, stdin_data);
  }

#ifdef UNMINE_HAVE_LIBNFTABLES
  RunResult nft_json(const std::string& document) override {
    std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free);
    if (!ctx) return Effects::nft_json(document);
    nft_ctx_output_set_flags(ctx.get(), NFT_CTX_OUTPUT_JSON);
    nft_ctx_buffer_output(ctx.get());
    nft_ctx_buffer_error(ctx.get());
    RunResult r;
    r.exit_code = nft_run_cmd_from_buffer(ctx.get(), document.c_str()) == 0 ? 0 : 1;
    if (auto* out = nft_ctx_get_output_buffer(ctx.get())) r.out = out;
    if (auto* err = nft_ctx_get_error_buffer(ctx.get())) r.err = err;
    return r;
  }
#endif
};

}  // namespace

std::unique_ptr<Effects> make_real_effects() { return std::make_unique<RealEffects>(); }

}  // namespace unmine
