#pragma once
// What every hunt check reads from: the host, the playbook, the window, the package database, a runner
// for absolute-path read-only system tools (journalctl), and a place for notes.
#include <functional>
#include <string>
#include <vector>

#include "actions/effects.h"
#include "host/host_root.h"
#include "host/dpkg_db.h"
#include "hunt/window.h"
#include "playbook/playbook.h"

namespace unmine {

using ToolRunner = std::function<RunResult(const std::vector<std::string>& argv)>;

struct HuntContext {
  const HostRoot& host;
  const Playbook& playbook;
  HuntWindow window;
  const DpkgDatabase& dpkg;
  ToolRunner run;  // empty: no tool is run
  std::vector<std::string> notes;
  void note(std::string s) { notes.push_back(std::move(s)); }
};

}  // namespace unmine
