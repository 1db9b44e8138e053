// validate against `ps -eo pid,ppid,user,args` + `ss -tanp` on a busy host, in one run: this program
// adds 3,000 idle processes, 20,000 loopback TCP connections and one stand-in miner talking to a
// loopback pool, then times each tool (median of several runs, the tools alternating), prints the ratio
// (target <= 0.3) and unmine's peak RSS (target < 50 MiB, from wait4's rusage). Everything it starts is
// stopped on exit. The extra processes are /usr/bin/sleep, holding the connections: a fork of this
// program would carry the playbook it links (miners' strings) and be taken for a miner.
//
//   build/bench/validate_bench [--unmine build/unmine] [--standin build/tests/standin_miner]
//                              [--processes 3000] [--connections 20000] [--runs 5] [--hold SECONDS]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_host.h"
#include "playbook/indicators.h"

namespace {

constexpr const char* kWallet =
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";

struct Options {
  std::string unmine = "build/unmine";
  std::string standin = "build/tests/standin_miner";
  int processes = 3000;
  int connections = 20000;
  int runs = 5;
  int hold = 0;  // seconds to keep the busy host up after measuring (to profile by hand)
};

std::vector<pid_t> g_children;

void stop_children() {
  for (pid_t p : g_children) ::kill(p, SIGKILL);
  for (pid_t p : g_children) ::waitpid(p, nullptr, 0);
  g_children.clear();
}

[[noreturn]] void die(const char* what) {
  std::perror(what);
  stop_children();
  std::exit(1);
}

// A loopback listener on a port the kernel picks, never a stratum port: the busy host's ordinary
// connections must not look like pool traffic (the ephemeral range holds some, e.g. 45560).
int listen_loopback(uint16_t& port) {
  static const auto indicators = unmine::Indicators::load(unmine::Playbook::load());
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 4096) != 0) die("listen");
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    if (!indicators.is_stratum_port(port)) return fd;
    ::close(fd);
  }
}

struct Run {
  double seconds = 0;
  double cpu_seconds = 0;  // user + system: the fair signal when the machine is not idle
  long max_rss_kib = 0;
  int status = 0;
};

// Becomes `sleep infinity`, keeping the fds not marked close-on-exec.
[[noreturn]] void become_sleep() {
  ::execl("/usr/bin/sleep", "sleep", "infinity", nullptr);
  ::_exit(127);
}

// Runs argv with stdout/stderr to /dev/null; wall time and peak RSS from wait4.
Run timed(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  Run r;
  rusage ru{};
  if (::wait4(pid, &r.status, 0, &ru) < 0) die("wait4");
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.cpu_seconds = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                  static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  r.max_rss_kib = ru.ru_maxrss;
  return r;
}

// A helper process: `count` connections to its own loopback listener, both ends and the listener kept open
// (without it, accepted sockets would look outbound), then it becomes sleep. Reports readiness by writing 1
// to `ready` (0 on failure).
void hold_connections(int count, int ready) {
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  nofile.rlim_cur = nofile.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &nofile);
  char status = 0;
  uint16_t port = 0;
  int server = listen_loopback(port);
  ::fcntl(server, F_SETFD, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  for (int i = 0; i < count; ++i) {
    int c = ::socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || ::connect(c, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 ||
        ::accept4(server, nullptr, nullptr, 0) < 0) {
      std::perror("validate_bench: connection");
      (void)!::write(ready, &status, 1);
      return;
    }
  }
  status = 1;
  (void)!::write(ready, &status, 1);
  become_sleep();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--unmine")
      o.unmine = v;
    else if (k == "--standin")
      o.standin = v;
    else if (k == "--processes")
      o.processes = std::atoi(v.c_str());
    else if (k == "--connections")
      o.connections = std::atoi(v.c_str());
    else if (k == "--runs")
      o.runs = std::max(1, std::atoi(v.c_str()));
    else if (k == "--hold")
      o.hold = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  o.unmine = std::filesystem::absolute(o.unmine);
  o.standin = std::filesystem::absolute(o.standin);
  bench::print_machine();
  for (auto* tool : {o.unmine.c_str(), o.standin.c_str(), "/usr/bin/ps", "/usr/bin/ss", "/usr/bin/sleep"})
    if (::access(tool, X_OK) != 0) {
      std::fprintf(stderr, "validate_bench: %s is missing\n", tool);
      return 1;
    }

  // Idle processes first, while this process holds few fds (children would inherit them otherwise).
  for (int i = 0; i < o.processes; ++i) {
    pid_t p = ::fork();
    if (p < 0) die("fork");
    if (p == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // gone with the bench, however it ends (kept across exec)
      become_sleep();
    }
    g_children.push_back(p);
  }

  // The pool and its miner.
  uint16_t pool_port = 0;
  int pool = listen_loopback(pool_port);
  std::string url = "stratum+tcp://127.0.0.1:" + std::to_string(pool_port);
  // The miner runs detached (its parent is init, as a daemonised miner's is): validate reads a miner's
  // ancestors' images, and this program's own carries the playbook it links. Stopped by pid on exit, and
  // by a watcher shell (a child of this program, not an ancestor of the miner) if this program dies first.
  int pid_pipe[2];
  if (::pipe2(pid_pipe, O_CLOEXEC) != 0) die("pipe");
  pid_t middle = ::fork();
  if (middle < 0) die("fork");
  if (middle == 0) {
    ::setsid();
    pid_t m = ::fork();
    if (m == 0) {
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0), ::dup2(null, 1), ::dup2(null, 2);
      ::execl(o.standin.c_str(), "xmrig", "-o", url.c_str(), "-u", kWallet, "--donate-level=1", nullptr);
      ::_exit(127);
    }
    (void)!::write(pid_pipe[1], &m, sizeof m);
    ::_exit(m > 0 ? 0 : 1);
  }
  ::close(pid_pipe[1]);
  pid_t miner = -1;
  if (::read(pid_pipe[0], &miner, sizeof miner) != sizeof miner || miner <= 0) die("fork (miner)");
  ::close(pid_pipe[0]);
  ::waitpid(middle, nullptr, 0);
  g_children.push_back(miner);
  pid_t watcher = ::fork();
  if (watcher < 0) die("fork");
  if (watcher == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::string script = "trap 'kill -9 " + std::to_string(miner) + "; exit 0' TERM; while :; do sleep 1; done";
    ::execl("/bin/sh", "sh", "-c", script.c_str(), nullptr);
    ::_exit(127);
  }
  g_children.push_back(watcher);
  int miner_conn = ::accept4(pool, nullptr, nullptr, SOCK_CLOEXEC);
  if (miner_conn < 0) die("accept (miner)");

  // Loopback connections, both ends in helper processes: as many helpers as the fd limit needs.
  rlimit nofile{};
  ::getrlimit(RLIMIT_NOFILE, &nofile);
  const int per_helper = std::max<int>(1, static_cast<int>((std::min<rlim_t>(nofile.rlim_max, 1 << 20) - 64) / 2));
  std::vector<int> ready;
  for (int made = 0; made < o.connections; made += per_helper) {
    int count = std::min(per_helper, o.connections - made);
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) die("pipe");
    pid_t helper = ::fork();
    if (helper < 0) die("fork");
    if (helper == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      hold_connections(count, pipefd[1]);
      ::_exit(0);
    }
    g_children.push_back(helper);
    ::close(pipefd[1]);
    ready.push_back(pipefd[0]);
  }
  for (int fd : ready) {
    char ok = 0;
    if (::read(fd, &ok, 1) != 1 || ok != 1) die("connection helper failed");
    ::close(fd);
  }
  std::printf("host: %d extra processes, %d loopback connections, stand-in miner pid %d -> %s\n", o.processes,
              o.connections, miner, url.c_str());

  char case_dir[] = "/tmp/unmine-bench-case-XXXXXX";
  if (!::mkdtemp(case_dir)) die("mkdtemp");
  std::printf("load average before the timed runs: %s\n", bench::load_average().c_str());
  std::vector<double> t_unmine, t_ps, t_ss, c_unmine, c_ps, c_ss;
  long rss = 0;
  int unmine_exit = -1;
  for (int i = 0; i < o.runs; ++i) {
    auto u = timed({o.unmine, "--json", "--case", case_dir, "validate"});
    unmine_exit = WIFEXITED(u.status) ? WEXITSTATUS(u.status) : -1;
    t_unmine.push_back(u.seconds);
    c_unmine.push_back(u.cpu_seconds);
    rss = std::max(rss, u.max_rss_kib);
    auto p = timed({"/usr/bin/ps", "-eo", "pid,ppid,user,args"});
    t_ps.push_back(p.seconds);
    c_ps.push_back(p.cpu_seconds);
    auto s = timed({"/usr/bin/ss", "-tanp"});
    t_ss.push_back(s.seconds);
    c_ss.push_back(s.cpu_seconds);
  }
  double mu = median(t_unmine), mp = median(t_ps), ms = median(t_ss);
  std::printf("median of %d alternating runs     wall s   CPU s (user+sys)\n", o.runs);
  std::printf("unmine --json validate (exit %d): %7.3f  %7.3f   peak RSS %.1f MiB\n", unmine_exit, mu, median(c_unmine),
              rss / 1024.0);
  std::printf("ps -eo pid,ppid,user,args       : %7.3f  %7.3f\n", mp, median(c_ps));
  std::printf("ss -tanp                        : %7.3f  %7.3f\n", ms, median(c_ss));
  std::printf("ratio unmine / (ps + ss): %.2f wall, %.2f CPU (target <= 0.30)\n", mu / (mp + ms),
              median(c_unmine) / (median(c_ps) + median(c_ss)));
  std::printf("peak RSS: %s (target < 50 MiB)\n", rss < 50 * 1024 ? "ok" : "over");

  if (o.hold > 0) {
    std::printf("holding the busy host for %d s\n", o.hold);
    std::fflush(stdout);
    ::sleep(static_cast<unsigned>(o.hold));
  }
  ::close(miner_conn), ::close(pool);
  stop_children();
  std::filesystem::remove_all(case_dir);
  return unmine_exit == 11 || unmine_exit == 12 || unmine_exit == 13 ? 0 : 1;
}
