#pragma once
// How a flow in lib/ tells the operator what it is doing while it runs, without knowing how the command
// shows it: Output::notices() sends notes to stderr and progress to the progress line. The defaults drop
// everything (tests).
#include <functional>
#include <string>

namespace unmine {

struct Notices {
  std::function<void(const std::string&)> note = [](const std::string&) {};
  std::function<void(const std::string&)> progress = [](const std::string&) {};
  std::function<void()> progress_done = [] {};
};

}  // namespace unmine
