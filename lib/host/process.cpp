#include "host/process.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <ctime>
#include <exception>
#include <mutex>
#include <regex>
#include <thread>

#include "core/text.h"
#include "host/passwd.h"

namespace unmine {
namespace {

template <typename T>
bool to_num(std::string_view s, T& out) {
  s = trim(s);
  return !s.empty() && std::from_chars(s.data(), s.data() + s.size(), out).ec == std::errc{};
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

constexpr size_t kCmdlineMax = 1u << 20;  // argv can be up to ~2 MiB; 1 MiB is evidence enough
constexpr unsigned long kPfKthread = 0x00200000;

}  // namespace

std::optional<StatFields> parse_proc_stat(std::string_view text) {
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
  StatFields f;
  if (!to_num(text.substr(0, open), f.pid)) return std::nullopt;
  f.comm = std::string(text.substr(open + 1, close - open - 1));
  std::vector<std::string_view> rest;
  size_t i = close + 1;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    if (j > i) rest.push_back(trim(text.substr(i, j - i)));
    i = j;
  }
  // rest[0] is field 3 (state); field N is rest[N-3].
  if (rest.size() < 20 || rest[0].empty()) return std::nullopt;
  f.state = rest[0][0];
  if (!to_num(rest[1], f.ppid) || !to_num(rest[6], f.flags) || !to_num(rest[11], f.utime) ||
      !to_num(rest[12], f.stime) || !to_num(rest[19], f.starttime))
    return std::nullopt;
  return f;
}

std::optional<StatusFields> parse_proc_status(std::string_view text) {
  StatusFields f;
  bool any = false;
  for (auto line : lines(text)) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto key = line.substr(0, colon);
    auto val = trim(line.substr(colon + 1));
    if (key == "Name")
      f.name = std::string(val), any = true;
    else if (key == "Tgid")
      to_num(val, f.tgid);
    else if (key == "PPid")
      to_num(val, f.ppid);
    else if (key == "Uid") {
      uid_t uid;
      if (to_num(val.substr(0, val.find_first_of(" \t")), uid)) f.uid = uid;
    }
  }
  if (!any) return std::nullopt;
  return f;
}

std::optional<ContainerRef> parse_cgroup_container(std::string_view text) {
  // Matched against each cgroup path; the id is the 64-hex container id the runtimes use.
  static const std::regex docker(R"((?:/docker/|docker-)([0-9a-f]{64}))");
  static const std::regex crio(R"(crio-(?:conmon-)?([0-9a-f]{64}))");
  static const std::regex containerd(R"(cri-containerd-([0-9a-f]{64}))");
  static const std::regex podman(R"(libpod-(?:conmon-)?([0-9a-f]{64}))");
  static const std::regex kube(R"(/kubepods[^\n]*/([0-9a-f]{64}))");
  static const std::regex lxc(R"((?:/lxc/|/lxc\.payload\.)([^/\n]+))");
  const std::pair<const std::regex*, const char*> rules[] = {{&docker, "docker"},         {&crio, "cri-o"},
                                                             {&containerd, "containerd"}, {&podman, "podman"},
                                                             {&kube, "kubepods"},         {&lxc, "lxc"}};
  for (auto line : lines(text)) {
    std::string l(line);
    std::smatch m;
    for (auto& [re, runtime] : rules)
      if (std::regex_search(l, m, *re)) return ContainerRef{runtime, m[1].str(), {}};
  }
  return std::nullopt;
}

std::optional<int64_t> parse_boot_time(std::string_view text) {
  for (auto line : lines(text)) {
    if (line.starts_with("btime ")) {
      int64_t v;
      if (to_num(line.substr(6), v)) return v;
    }
  }
  return std::nullopt;
}

ExeLink parse_exe_link(std::string_view link) {
  ExeLink e;
  constexpr std::string_view kDeleted = " (deleted)";
  if (link.ends_with(kDeleted)) {
    e.deleted = true;
    link.remove_suffix(kDeleted.size());
  }
  e.memfd = link.starts_with("/memfd:");
  e.path = std::string(link);
  return e;
}

ProcReader::ProcReader(const HostRoot& host) : host_(host) {
  if (auto st = host_.read_proc("stat")) boot_time_ = parse_boot_time(st->data).value_or(0);
  ticks_ = ::sysconf(_SC_CLK_TCK);
  if (ticks_ <= 0) ticks_ = 100;
  now_ = static_cast<int64_t>(::time(nullptr));
  for (auto& u : read_passwd(host_)) users_.emplace_back(u.uid, u.name);
}

std::string ProcReader::user_name(uid_t uid) const {
  for (auto& [id, name] : users_)
    if (id == uid) return name;
  return std::to_string(uid);
}

std::vector<int> ProcReader::pids() const {
  std::vector<int> out;
  for (auto& e : host_.list_proc(".")) {
    int pid;
    if (all_digits(e.name) && to_num(e.name, pid)) out.push_back(pid);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Process> ProcReader::read(int pid, unsigned fields) const {
  // Every file of the process is opened from its own folder: /proc is walked once, not once a file.
  auto dir = host_.open_proc(std::to_string(pid), O_PATH | O_DIRECTORY);
  if (!dir) return std::nullopt;
  const int d = dir.get();
  std::string text;
  if (!host_.read_proc_at(d, "stat", text, 4096)) return std::nullopt;
  auto sf = parse_proc_stat(text);
  if (!sf) return std::nullopt;
  Process p;
  p.pid = pid;
  p.ppid = sf->ppid;
  p.comm = sf->comm;
  p.state = sf->state;
  p.kernel_thread = (sf->flags & kPfKthread) != 0 || (sf->ppid == 2) || pid == 2;
  p.start_ticks = sf->starttime;
  p.cpu_seconds = static_cast<double>(sf->utime + sf->stime) / static_cast<double>(ticks_);
  if (boot_time_ > 0) {
    p.started_at = boot_time_ + static_cast<int64_t>(sf->starttime / static_cast<uint64_t>(ticks_));
    double alive = static_cast<double>(now_ - p.started_at);
    if (alive >= 1) p.cpu_share = p.cpu_seconds / alive;
  }
  if (!(fields & kProcNoOwner)) {
    if (!host_.read_proc_at(d, "status", text, 16384)) return std::nullopt;  // exited between stat and status
    if (auto st = parse_proc_status(text); st && st->uid) p.uid = *st->uid;
    p.user = user_name(p.uid);
  }
  if (host_.read_proc_at(d, "cmdline", text, kCmdlineMax)) p.cmdline = split_nul(text);
  if (auto exe = host_.readlink_proc_at(d, "exe")) {
    auto e = parse_exe_link(*exe);
    p.exe = e.path;
    p.exe_deleted = e.deleted;
    p.exe_memfd = e.memfd;
    struct stat st {};
    // stat through the kernel's link reaches the running image itself (deleted or not).
    if (host_.proc_is_live() && ::fstatat(d, "exe", &st, 0) == 0) {
      p.exe_dev = st.st_dev;
      p.exe_ino = st.st_ino;
    }
  }
  if (auto cwd = host_.readlink_proc_at(d, "cwd")) p.cwd = *cwd;
  if (fields & kProcMountNs)
    if (auto ns = host_.readlink_proc_at(d, "ns/mnt")) p.mount_ns = *ns;
  if ((fields & kProcEnviron) && host_.read_proc_at(d, "environ", text, kCmdlineMax)) p.environ = split_nul(text);
  if ((fields & kProcCgroup) && host_.read_proc_at(d, "cgroup", text, 65536)) {
    p.cgroup = text;
    p.container = parse_cgroup_container(text);
  }
  return p;
}

std::vector<Process> ProcReader::all(unsigned fields) const {
  const auto pids = this->pids();
  // The kernel's time goes to each process's files: the cores share the PIDs, a block at a time, and the
  // table keeps the order of the PIDs whichever core read them.
  std::vector<std::optional<Process>> read_pids(pids.size());
  constexpr size_t kBlock = 64;
  std::atomic<size_t> next{0};
  std::exception_ptr failed;
  std::mutex failed_lock;
  auto work = [&] {
    try {
      for (size_t start; (start = next.fetch_add(kBlock)) < pids.size();)
        for (size_t i = start; i < std::min(pids.size(), start + kBlock); ++i) read_pids[i] = read(pids[i], fields);
    } catch (...) {
      std::lock_guard lock(failed_lock);
      failed = std::current_exception();
      next = pids.size();
    }
  };
  const size_t threads =
      std::min<size_t>({std::max(1u, std::thread::hardware_concurrency()), 4, (pids.size() + kBlock - 1) / kBlock});
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& h : helpers) h.join();
  if (failed) std::rethrow_exception(failed);
  std::vector<Process> out;
  out.reserve(pids.size());
  for (auto& p : read_pids)
    if (p) out.push_back(std::move(*p));
  return out;
}

void ProcReader::read_owner(Process& p) const {
  auto status = host_.read_proc(std::to_string(p.pid) + "/status", 16384);
  if (!status) return;
  if (auto st = parse_proc_status(status->data); st && st->uid) p.uid = *st->uid;
  p.user = user_name(p.uid);
}

std::vector<OpenFd> ProcReader::fds(int pid) const {
  std::vector<OpenFd> out;
  const std::string dir = std::to_string(pid) + "/fd";
  for (auto& e : host_.list_proc(dir)) {
    int fd;
    if (!to_num(e.name, fd)) continue;
    if (auto t = host_.readlink_proc(dir + "/" + e.name)) out.push_back({fd, *t});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.fd < b.fd; });
  return out;
}

std::optional<std::string> ProcReader::read_environ_var(int pid, std::string_view key) const {
  auto env = host_.read_proc(std::to_string(pid) + "/environ", kCmdlineMax);
  if (!env) return std::nullopt;
  for (auto& kv : split_nul(env->data))
    if (kv.size() > key.size() && kv.compare(0, key.size(), key) == 0 && kv[key.size()] == '=')
      return kv.substr(key.size() + 1);
  return std::nullopt;
}

std::optional<uint64_t> ProcReader::cpu_time_ns(int pid) const {
  const std::string dir = std::to_string(pid);
  uint64_t total = 0;
  bool any = false;
  for (auto& t : host_.list_proc(dir + "/task")) {
    auto ss = host_.read_proc(dir + "/task/" + t.name + "/schedstat", 256);
    uint64_t ns;
    if (ss && to_num(std::string_view(ss->data).substr(0, ss->data.find(' ')), ns)) {
      total += ns;
      any = true;
    }
  }
  if (any) return total;
  auto stat = host_.read_proc(dir + "/stat", 4096);
  if (!stat) return std::nullopt;
  auto sf = parse_proc_stat(stat->data);
  if (!sf) return std::nullopt;
  return (sf->utime + sf->stime) * (1000000000ull / static_cast<uint64_t>(ticks_));
}

CpuSampler::CpuSampler(const ProcReader& reader, const std::vector<int>& pids)
    : reader_(reader), start_(std::chrono::steady_clock::now()) {
  for (int pid : pids)
    if (auto ns = reader_.cpu_time_ns(pid)) first_[pid] = *ns;
}

std::map<int, double> CpuSampler::finish(std::chrono::milliseconds min_interval) const {
  std::map<int, double> out;
  if (first_.empty()) return out;
  auto elapsed = std::chrono::steady_clock::now() - start_;
  if (elapsed < min_interval) std::this_thread::sleep_for(min_interval - elapsed);
  for (auto& [pid, before] : first_) {
    auto after = reader_.cpu_time_ns(pid);
    auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start_).count();
    if (!after || *after < before || wall <= 0) continue;
    out[pid] = static_cast<double>(*after - before) / static_cast<double>(wall);
  }
  return out;
}

std::string_view program_name(const Process& p) { return p.exe.empty() ? std::string_view(p.comm) : base_name(p.exe); }

}  // namespace unmine
