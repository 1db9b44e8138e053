#pragma once
// Running a system tool: by absolute path only (never through PATH), with a fixed environment, so nothing
// an attacker planted in ours (LD_PRELOAD, PATH) reaches it. Read-only runs (a journal, a firewall
// listing: hunt, verify) take a ToolRunner; runs that change the host go through Effects (lib/actions),
// whose real implementation spawns with run_system_tool too.
#include <functional>
#include <string>
#include <vector>

namespace unmine {

struct RunResult {
  int exit_code = -1;  // -1: could not start
  std::string out, err;
};

// Runs argv[0] (an absolute path) with stdin_data on its stdin; stdout and stderr are collected.
RunResult run_system_tool(const std::vector<std::string>& argv, const std::string& stdin_data = {});

// A read-only tool run. Tests give canned answers; an empty runner runs nothing.
using ToolRunner = std::function<RunResult(const std::vector<std::string>& argv)>;
// The real one.
ToolRunner system_tools();

}  // namespace unmine
