// kill_race: `unmine kill --apply` against the community scripts' `pkill -9 NAME`, on a stand-in miner
// tree (a watchdog that restarts the miner within 100 ms, the miner, a worker, a grandchild) started from a
// temp folder. Each round starts a fresh tree, kills it one way, then watches 1 s for a respawn. Prints the
// time each takes, how often the miner came back, and the ratio of the times.
// Usage: kill_race [ROUNDS] (run from the build folder's parent, or set UNMINE_BUILD).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

extern char** environ;

namespace {

int ppid_of(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), {});
  auto close = s.rfind(')');
  if (close == std::string::npos) return -1;
  char state;
  int ppid = -1;
  std::sscanf(s.c_str() + close + 1, " %c %d", &state, &ppid);
  return state == 'Z' ? -1 : ppid;
}

std::vector<int> children(int pid) {
  std::vector<int> out;
  for (auto& e : fs::directory_iterator("/proc")) {
    auto name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") == std::string::npos && ppid_of(std::stoi(name)) == pid)
      out.push_back(std::stoi(name));
  }
  return out;
}

// Live processes running an executable from `dir`.
int running_from(const fs::path& dir) {
  int n = 0;
  for (auto& e : fs::directory_iterator("/proc")) {
    std::error_code ec;
    auto exe = fs::read_symlink(e.path() / "exe", ec);
    if (!ec && exe.parent_path() == dir && ppid_of(std::stoi(e.path().filename().string())) >= 0) ++n;
  }
  return n;
}

pid_t spawn(const std::vector<std::string>& argv, bool new_session) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  if (new_session) posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0].c_str(), &fa, &attr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Tree {
  fs::path dir;
  pid_t watchdog = -1;
  int miner = -1;
};

Tree start_tree(const fs::path& build, int round) {
  Tree t;
  t.dir = fs::temp_directory_path() / ("unmine-bench-kill-" + std::to_string(getpid()) + "-" + std::to_string(round));
  fs::create_directories(t.dir);
  fs::copy_file(build / "tests/standin_watchdog", t.dir / "wd", fs::copy_options::overwrite_existing);
  fs::copy_file(build / "tests/standin_miner", t.dir / "xmrig", fs::copy_options::overwrite_existing);
  t.watchdog = spawn(
      {(t.dir / "wd").string(), (t.dir / "xmrig").string(), "--workers", "1", "--grandchild", "--no-connect"}, true);
  // Wait for the grandchild: the whole tree is up.
  for (int i = 0; i < 500; ++i) {
    auto m = children(t.watchdog);
    if (!m.empty()) {
      auto w = children(m[0]);
      if (!w.empty() && !children(w[0]).empty()) {
        t.miner = m[0];
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return t;
}

void stop_tree(Tree& t) {
  kill(-t.watchdog, SIGKILL);  // the session this bench created
  waitpid(t.watchdog, nullptr, 0);
  fs::remove_all(t.dir);
}

// Whether the miner came back within a second of the kill.
bool respawned(const Tree& t) {
  auto end = Clock::now() + std::chrono::seconds(1);
  while (Clock::now() < end) {
    if (running_from(t.dir) > 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 10;
  fs::path build = std::getenv("UNMINE_BUILD") ? std::getenv("UNMINE_BUILD") : "build";
  if (!fs::exists(build / "unmine") || !fs::exists("/usr/bin/pkill")) {
    std::fprintf(stderr, "kill_race: needs %s/unmine and /usr/bin/pkill\n", build.c_str());
    return 2;
  }
  auto cases = fs::temp_directory_path() / ("unmine-bench-kill-case-" + std::to_string(getpid()));
  std::vector<double> t_pkill, t_unmine;
  int back_pkill = 0, back_unmine = 0, left_pkill = 0, left_unmine = 0;
  for (int r = 0; r < rounds; ++r) {
    {
      // The community way: kill the miner by name, in this bench's session only.
      Tree t = start_tree(build, r);
      auto t0 = Clock::now();
      pid_t k = spawn({"/usr/bin/pkill", "-9", "-s", std::to_string(t.watchdog), "xmrig"}, false);
      wait_exit(k);
      t_pkill.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      back_pkill += respawned(t);
      left_pkill += kill(t.watchdog, 0) == 0 && ppid_of(t.watchdog) >= 0;
      stop_tree(t);
    }
    {
      Tree t = start_tree(build, r);
      auto t0 = Clock::now();
      pid_t k = spawn({(build / "unmine").string(), "--case", cases.string(), "kill", "--apply", "--force", "--pid",
                       std::to_string(t.miner)},
                      false);
      int rc = wait_exit(k);
      t_unmine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (rc != 0) std::fprintf(stderr, "round %d: unmine exited %d\n", r, rc);
      back_unmine += respawned(t);
      left_unmine += ppid_of(t.watchdog) >= 0;
      stop_tree(t);
    }
  }
  fs::remove_all(cases);
  double mp = median(t_pkill), mu = median(t_unmine);
  std::printf("rounds: %d (watchdog + miner + worker + grandchild from a temp folder)\n", rounds);
  std::printf("pkill -9 NAME : median %7.1f ms, miner respawned %d/%d, watchdog left running %d/%d\n", mp, back_pkill,
              rounds, left_pkill, rounds);
  std::printf("unmine kill   : median %7.1f ms, miner respawned %d/%d, watchdog left running %d/%d\n", mu, back_unmine,
              rounds, left_unmine, rounds);
  std::printf("time ratio unmine/pkill: %.1f\n", mp > 0 ? mu / mp : 0.0);
  return 0;
}
