#include "case/case_registry.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "core/fd.h"
#include "core/hex.h"
#include "core/text.h"

namespace unmine {
namespace {

constexpr const char* kRegistryFile = "case-folders";
constexpr size_t kRegistryLimit = 16 << 20;

std::string os_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// Only what the user running unmine alone could have written is trusted: anyone else able to add a line
// could hide a folder from hunt.
std::string untrusted(const struct stat& st, const std::string& what) {
  if (st.st_uid != ::geteuid())
    return what + " is owned by uid " + std::to_string(st.st_uid) + ", not by the user running unmine";
  if (st.st_mode & 022) return what + " is writable by group or others";
  return {};
}

UniqueFd open_state_dir(bool create, std::string& problem) {
  auto dir = state_dir();
  if (create && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    problem = os_error(printable(dir.string()));
    return {};
  }
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0) {
    problem = os_error(printable(dir.string()));
    return {};
  }
  problem = untrusted(st, printable(dir.string()));
  if (!problem.empty()) return {};
  return fd;
}

std::string folder_path(int dirfd) {
  char buf[4096];
  auto link = "/proc/self/fd/" + std::to_string(dirfd);
  auto n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

std::filesystem::path state_dir() {
  if (const char* env = std::getenv("UNMINE_STATE_DIR"); env && *env) return env;
  return "/var/lib/unmine";
}

std::string register_case_folder(const std::filesystem::path& case_dir) {
  std::string problem;
  auto dir = open_state_dir(true, problem);
  if (!dir) return problem;
  UniqueFd folder(::open(case_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  struct stat st {};
  if (!folder || ::fstat(folder.get(), &st) != 0) return os_error(printable(case_dir.string()));
  auto path = folder_path(folder.get());
  if (path.empty()) return os_error("the path of " + printable(case_dir.string()));
  UniqueFd file(::openat(dir.get(), kRegistryFile, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  struct stat fst {};
  if (!file || ::fstat(file.get(), &fst) != 0) return os_error(printable((state_dir() / kRegistryFile).string()));
  problem = untrusted(fst, printable((state_dir() / kRegistryFile).string()));
  if (!problem.empty()) return problem;
  // One write of one line: appends from concurrent runs do not interleave.
  auto line = std::to_string(st.st_ino) + ' ' + to_hex(path) + '\n';
  if (::write(file.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(file.get()) != 0)
    return os_error(printable((state_dir() / kRegistryFile).string()));
  return {};
}

CaseRegistry load_case_registry() {
  CaseRegistry r;
  auto dir = open_state_dir(false, r.problem);
  if (!dir) return r;
  UniqueFd file(::openat(dir.get(), kRegistryFile, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!file) {
    if (errno != ENOENT) r.problem = os_error(printable((state_dir() / kRegistryFile).string()));
    return r;
  }
  struct stat st {};
  if (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    r.problem = printable((state_dir() / kRegistryFile).string()) + " is not a regular file";
    return r;
  }
  r.problem = untrusted(st, printable((state_dir() / kRegistryFile).string()));
  if (!r.problem.empty()) return r;
  std::string text(std::min<size_t>(static_cast<size_t>(st.st_size), kRegistryLimit), '\0');
  size_t got = 0;
  while (got < text.size()) {
    auto n = ::read(file.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  for (auto line : lines(text)) {
    auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    RegisteredCase c;
    auto ino = line.substr(0, space);
    if (std::from_chars(ino.data(), ino.data() + ino.size(), c.inode).ec != std::errc{}) continue;
    if (from_hex(line.substr(space + 1), c.path)) r.cases.push_back(std::move(c));
  }
  return r;
}

bool CaseRegistry::holds(int dirfd, ino_t inode) const {
  std::string path;
  for (auto& c : cases) {
    if (c.inode != inode) continue;
    if (path.empty()) path = folder_path(dirfd);
    if (c.path == path) return true;
  }
  return false;
}

}  // namespace unmine
