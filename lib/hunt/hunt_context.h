#pragma once
// What every hunt check reads from: the host, the playbook, the window, the package database, a runner
// for absolute-path read-only system tools (journalctl), the processes /proc lists and the listening TCP
// sockets (read once for all checks), and a place for notes.
#include <functional>
#include <string>
#include <vector>

#include "host/dpkg_db.h"
#include "host/host_root.h"
#include "host/sockets.h"
#include "host/system_tool.h"
#include "hunt/window.h"
#include "playbook/playbook.h"

namespace unmine {

struct HuntContext {
  const HostRoot& host;
  const Playbook& playbook;
  HuntWindow window;
  const DpkgDatabase& dpkg;
  ToolRunner run;  // empty: no tool is run
  std::vector<std::string> notes;
  std::vector<int> listed_pids;        // as /proc lists them
  std::vector<SocketEntry> listening;  // TCP sockets in LISTEN
  void note(std::string s) { notes.push_back(std::move(s)); }
};

}  // namespace unmine
