// Cloud security agents removed by the attacker: the agent's folder is still there but its binaries are
// gone (the uninstall scripts that do this are matched by YARA rule tool_security_agent_uninstaller).
#include <fcntl.h>

#include "case/case_store.h"
#include "core/text.h"
#include "hunt/tampering.h"
#include "hunt/tree_walk.h"

namespace unmine {
namespace {

bool has_elf(const HostRoot& host, const std::string& dir) {
  bool found = false;
  size_t seen = 0;
  WalkOptions o;
  o.max_depth = 6;
  walk_tree(host, dir, o, [&](const WalkedFile& f) {
    if (found || ++seen > 5000) return;
    int fd = open_noatime(f.dirfd, f.name.data());
    if (fd < 0) return;
    char head[4] = {};
    found = ::pread(fd, head, 4, 0) == 4 && std::string_view(head, 4) ==
                                                "\x7f"
                                                "ELF";
    ::close(fd);
  });
  return found;
}

}  // namespace

std::vector<Finding> check_cloud_agents(HuntContext& ctx) {
  std::vector<Finding> out;
  for (auto& line : ctx.playbook.list("hunt/cloud_agents.txt")) {
    auto a = line.find('|');
    auto b = a == std::string::npos ? a : line.find('|', a + 1);
    if (b == std::string::npos) continue;
    auto name = line.substr(0, a), dir = line.substr(a + 1, b - a - 1), bins = line.substr(b + 1);
    auto st = ctx.host.stat(dir);
    if (!st || !S_ISDIR(st->st_mode)) continue;
    bool present = false;
    std::vector<std::string> expected;
    if (bins.empty()) {
      present = has_elf(ctx.host, dir);
    } else {
      for (size_t i = 0; i <= bins.size();) {
        auto j = bins.find(',', i);
        if (j == std::string::npos) j = bins.size();
        auto p = bins.substr(i, j - i);
        if (!p.empty()) expected.push_back(p), present |= ctx.host.exists(p);
        i = j + 1;
      }
    }
    if (present) continue;
    bool recent = ctx.window.contains(st->st_ctime) || ctx.window.contains(st->st_mtime);
    auto f = make_finding(Group::hiding, "security_tool.tampered", recent ? Severity::high : Severity::medium,
                          name + " was removed: its folder " + dir + " is left without the agent's binaries" +
                              (recent ? " (changed in the compromise window)" : ""),
                          "agent:" + dir);
    f.path = dir;
    f.evidence = {
        {"agent", name}, {"folder", dir}, {"changed_in_window", recent}, {"folder_ctime", iso8601(st->st_ctime)}};
    if (!expected.empty()) f.evidence["expected_binaries"] = expected;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
