#include "persist/init_scripts.h"

#include <map>

#include "core/text.h"

namespace unmine {

std::vector<ScriptLine> script_lines(std::string_view text) {
  std::vector<ScriptLine> out;
  int n = 0;
  for (auto raw : lines(text)) {
    ++n;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line == "exit 0" || line == "exit") continue;
    out.push_back({n, raw});
  }
  return out;
}

namespace {

const std::vector<std::string> kRunlevelDirs = {"/etc/rc0.d", "/etc/rc1.d", "/etc/rc2.d", "/etc/rc3.d",
                                                "/etc/rc4.d", "/etc/rc5.d", "/etc/rc6.d", "/etc/rcS.d"};

void scan_script_lines(ScanContext& ctx, const std::string& path, const std::string& text) {
  for (auto& l : script_lines(text)) {
    Candidate c{"rc_script", Group::persistence, path, l.line, std::string(l.text), "root"};
    ctx.consider(c, l.text);
  }
}

}  // namespace

void scan_init_scripts(ScanContext& ctx) {
  if (auto f = ctx.read_once("/etc/rc.local", "rc_script")) scan_script_lines(ctx, "/etc/rc.local", f->data);

  // rc?.d links by the script they start, so a removed script takes its links with it.
  std::map<std::string, std::vector<std::string>> links_to;
  for (auto& dir : kRunlevelDirs) {
    for (auto& name : ctx.names_in(dir)) {
      auto path = join_path(dir, name);
      auto target = ctx.host.readlink(path);
      if (!target) {
        auto f = ctx.read_once(path, "rc_script");  // a plain script in rc?.d runs as well
        if (f) scan_script_lines(ctx, path, f->data);
        continue;
      }
      if (target->find("init.d/") != std::string::npos) {
        links_to[std::string(base_name(*target))].push_back(path);
        continue;
      }
      // A link straight to a program elsewhere (/etc/rc3.d/S99x -> /tmp/.x/run).
      Candidate c{"rc_script", Group::persistence, path, std::nullopt, *target, "root"};
      c.how = Neutralise::file;
      ctx.consider(c, *target);
    }
  }

  for (auto& name : ctx.names_in("/etc/init.d")) {
    auto path = join_path("/etc/init.d", name);
    auto f = ctx.read_once(path, "rc_script");
    if (!f) continue;
    auto name_tie = ctx.rules.judge(name, ctx.incident);
    if (name_tie.tied()) {
      Candidate c{"rc_script", Group::persistence, path, std::nullopt, name, "root"};
      c.how = Neutralise::file;
      c.links = links_to[name];
      ctx.report(c, name_tie, Severity::high, true, name);
      continue;
    }
    scan_script_lines(ctx, path, f->data);
  }
}

}  // namespace unmine
