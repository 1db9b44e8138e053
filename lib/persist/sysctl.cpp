#include "persist/sysctl.h"

#include <charconv>

#include "core/text.h"

namespace unmine {

SysctlParse parse_sysctl_conf(std::string_view text) {
  SysctlParse out;
  int n = 0;
  for (auto raw : lines(text)) {
    ++n;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      out.anomalies.push_back({n, "not a key = value line"});
      continue;
    }
    auto key = trim(line.substr(0, eq));
    if (!key.empty() && key.front() == '-') key = trim(key.substr(1));  // "-key": ignore errors setting it
    std::string k(key);
    for (auto& c : k)
      if (c == '/') c = '.';
    out.settings.push_back({n, k, std::string(trim(line.substr(eq + 1))), raw});
  }
  return out;
}

void scan_sysctl(ScanContext& ctx) {
  std::vector<std::string> files = {std::string(kSysctlConf)};
  for (auto folder : kSysctlFolders) {
    std::string dir(folder);
    for (auto& name : ctx.names_in(dir))
      if (name.ends_with(".conf")) files.push_back(join_path(dir, name));
  }
  for (auto& path : files) {
    auto f = ctx.read_once(path, "sysctl.hugepages");
    if (!f) continue;
    auto parsed = parse_sysctl_conf(f->data);
    ctx.anomalies(path, parsed.anomalies);
    for (auto& s : parsed.settings) {
      if (s.key != "vm.nr_hugepages" && s.key != "vm.nr_overcommit_hugepages") continue;
      long pages = 0;
      std::from_chars(s.value.data(), s.value.data() + s.value.size(), pages);
      if (pages <= 0) continue;
      Candidate c{"sysctl.hugepages", Group::system_optimization, path, s.line, std::string(s.text), "root"};
      // The setting never names the miner; the file it sits in may (its name, a comment, a neighbour).
      auto tie = ctx.rules.judge(path + "\n" + f->data, ctx.incident);
      if (tie.tied())
        ctx.report(c, tie, Severity::high, true, s.text);
      else
        ctx.report(c, Tie{TieLevel::lookalike, "hugepages", s.key + "=" + s.value, "setting"}, Severity::low, false,
                   s.text,
                   "huge pages reserved at boot (" + printable(s.key) + " = " + printable(s.value) + ") in " +
                       printable(path) + ":" + std::to_string(s.line) + "; not tied to the incident");
    }
  }
}

}  // namespace unmine
