#pragma once
// What every benchmark prints before it measures: the machine and how idle it is (a ratio holds only
// when both sides ran on the same quiet machine, so the load average is part of the figure).
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

namespace bench {

inline std::string first_line_with(const char* path, const std::string& key) {
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(key)) {
      auto colon = line.find(':');
      auto value = line.substr(colon == std::string::npos ? key.size() : colon + 1);
      return value.substr(value.find_first_not_of(" \t") == std::string::npos ? 0 : value.find_first_not_of(" \t"));
    }
  return "unknown";
}

inline std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

inline void print_machine() {
  std::printf("machine: %u cores (nproc), %s, %s memory\n", std::thread::hardware_concurrency(),
              first_line_with("/proc/cpuinfo", "model name").c_str(),
              first_line_with("/proc/meminfo", "MemTotal").c_str());
  std::printf("load average before the run: %s (1, 5, 15 min; figures taken above ~0.5 are not an idle machine's)\n",
              load_average().c_str());
  std::fflush(stdout);
}

}  // namespace bench
