#include "hunt/pid_sweep.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <fstream>
#include <thread>

#include "core/text.h"

namespace unmine {
namespace {

bool to_pid(const char* s, int& out) {
  auto n = std::char_traits<char>::length(s);
  if (n == 0 || n > 9) return false;
  auto r = std::from_chars(s, s + n, out);
  return r.ec == std::errc{} && r.ptr == s + n;
}

void list_numeric(const std::string& dir, std::set<int>& out, std::vector<int>* dirs) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (auto* e = ::readdir(d)) {
    int pid;
    if (!to_pid(e->d_name, pid)) continue;
    out.insert(pid);
    if (dirs) dirs->push_back(pid);
  }
  ::closedir(d);
}

std::string read_small(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::string s;
  if (in) std::getline(in, s, '\0');
  return s;
}

}  // namespace

// getsid is the cheapest lookup of a PID by number (no permission or signal path, unlike kill) and is
// not among the calls process-hiding rootkits hook; the re-check asks kill and getpgid as well.
bool pid_exists(int pid) { return ::syscall(SYS_getsid, pid) >= 0 || errno == EPERM; }

std::vector<int> sweep_pids(int first, int last, unsigned threads) {
  threads = std::max(1u, threads);
  std::vector<std::vector<int>> found(threads);
  std::vector<std::thread> pool;
  // Interleaved blocks keep both threads busy even when one part of the range costs more.
  constexpr int kBlock = 4096;
  for (unsigned t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      for (int block = first + static_cast<int>(t) * kBlock; block <= last; block += static_cast<int>(threads) * kBlock)
        for (int pid = block, end = std::min(last, block + kBlock - 1); pid <= end; ++pid)
          if (pid_exists(pid)) found[t].push_back(pid);
    });
  for (auto& th : pool) th.join();
  std::vector<int> out;
  for (auto& f : found) out.insert(out.end(), f.begin(), f.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::set<int> list_proc_tasks(const std::string& proc) {
  std::set<int> out;
  std::vector<int> processes;
  list_numeric(proc, out, &processes);
  for (int pid : processes) list_numeric(proc + "/" + std::to_string(pid) + "/task", out, nullptr);
  return out;
}

PidSweepResult find_hidden_pids(const std::function<std::set<int>()>& list, const PidSweepOptions& options) {
  PidSweepResult r;
  r.last_pid = options.last_pid;
  auto before = list();
  auto t0 = std::chrono::steady_clock::now();
  auto alive = sweep_pids(1, options.last_pid, options.threads);
  r.sweep_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.alive = alive.size();
  r.listed = before.size();
  std::vector<int> candidates;
  for (int pid : alive)
    if (!before.count(pid) && pid != static_cast<int>(::getpid())) candidates.push_back(pid);
  if (candidates.empty()) return r;
  // Re-check: a process started during the sweep shows in a fresh listing; one that exited no longer answers.
  auto after = list();
  for (int pid : candidates) {
    if (after.count(pid)) continue;
    HiddenPid h;
    h.pid = pid;
    if (::syscall(SYS_kill, pid, 0) == 0 || errno == EPERM) h.answered.emplace_back("kill");
    if (::getpgid(pid) >= 0) h.answered.emplace_back("getpgid");
    if (::getsid(pid) >= 0) h.answered.emplace_back("getsid");
    if (h.answered.empty()) continue;  // exited meanwhile
    std::string base = options.proc + "/" + std::to_string(pid);
    auto status = read_small(base + "/status");
    h.proc_readable = !status.empty();
    for (auto line : lines(status)) {
      if (line.starts_with("Name:")) h.comm = printable(trim(line.substr(5)));
      if (line.starts_with("Tgid:")) {
        auto v = trim(line.substr(5));
        std::from_chars(v.data(), v.data() + v.size(), h.tgid);
      }
    }
    // A thread of a listed process whose task/ entry was read before the thread started.
    if (h.tgid && h.tgid != pid && after.count(h.tgid) && pid_exists(h.tgid)) {
      std::set<int> tasks;
      list_numeric(options.proc + "/" + std::to_string(h.tgid) + "/task", tasks, nullptr);
      if (tasks.count(pid)) continue;
    }
    char buf[4096];
    auto n = ::readlink((base + "/exe").c_str(), buf, sizeof buf);
    if (n > 0) h.exe = printable(std::string_view(buf, static_cast<size_t>(n)));
    r.hidden.push_back(std::move(h));
  }
  return r;
}

}  // namespace unmine
