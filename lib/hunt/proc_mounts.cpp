#include "hunt/proc_mounts.h"

#include <algorithm>

#include "core/text.h"

namespace unmine {
namespace {

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
        s[i + 3] >= '0' && s[i + 3] <= '7') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool is_proc_pid_path(std::string_view p) {
  if (!p.starts_with("/proc/")) return false;
  p.remove_prefix(6);
  size_t n = 0;
  while (n < p.size() && p[n] >= '0' && p[n] <= '9') ++n;
  return n > 0 && (n == p.size() || p[n] == '/');
}

}  // namespace

std::vector<MountRow> parse_mountinfo(std::string_view text, std::vector<std::string>* anomalies) {
  std::vector<MountRow> out;
  for (auto line : lines(text)) {
    if (line.empty()) continue;
    auto f = words(line);
    auto dash = std::find(f.begin(), f.end(), std::string_view("-"));
    if (dash == f.end() || std::distance(f.begin(), dash) < 6 || std::distance(dash, f.end()) < 3) {
      if (anomalies) anomalies->push_back("malformed mountinfo line: " + printable(line.substr(0, 160)));
      continue;
    }
    MountRow m;
    m.mount_point = unescape(f[4]);
    m.options = std::string(f[5]);
    m.fs_type = std::string(*(dash + 1));
    m.source = unescape(*(dash + 2));
    out.push_back(std::move(m));
  }
  return out;
}

const MountRow* mount_of(const std::vector<MountRow>& mounts, std::string_view path) {
  const MountRow* best = nullptr;
  for (auto& m : mounts) {
    std::string_view mp = m.mount_point;
    bool inside =
        mp == "/" || path == mp || (path.starts_with(mp) && path.size() > mp.size() && path[mp.size()] == '/');
    if (inside && (!best || mp.size() >= best->mount_point.size())) best = &m;
  }
  return best;
}

std::vector<Finding> check_proc_bind_mounts(HuntContext& ctx) {
  std::vector<Finding> out;
  if (!ctx.host.has_proc()) return out;
  auto text = ctx.host.read_proc("self/mountinfo", 8 << 20);
  if (!text) text = ctx.host.read_proc("1/mountinfo", 8 << 20);
  if (!text) {
    ctx.note("no mountinfo in the procfs: bind mounts over /proc/PID not checked");
    return out;
  }
  std::vector<std::string> anomalies;
  for (auto& m : parse_mountinfo(text->data, &anomalies)) {
    if (!is_proc_pid_path(m.mount_point)) continue;
    auto shown = printable(m.mount_point);
    auto f = make_finding(Group::hiding, "process.hidden", Severity::critical,
                          "a mount over " + shown + " hides that process from ps and /proc readers",
                          "mount:" + m.mount_point);
    f.path = shown;
    f.evidence = {{"mount_point", shown},
                  {"source", printable(m.source)},
                  {"fs_type", printable(m.fs_type)},
                  {"how", "bind mount over /proc/PID"}};
    out.push_back(std::move(f));
  }
  for (auto& a : anomalies) ctx.note(a);
  return out;
}

}  // namespace unmine
