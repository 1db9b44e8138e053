#include "persist/xdg_autostart.h"

#include "persist/ini.h"

namespace unmine {
namespace {

void scan_folder(ScanContext& ctx, const std::string& dir, const std::string& user) {
  for (auto& name : ctx.names_in(dir)) {
    if (!name.ends_with(".desktop")) continue;
    auto path = join_path(dir, name);
    auto f = ctx.read_once(path, "xdg_autostart");
    if (!f) continue;
    auto ini = parse_ini(f->data);
    ctx.anomalies(path, ini.anomalies);
    Candidate c{"xdg_autostart", Group::persistence, path, std::nullopt, name, user};
    c.how = Neutralise::file;  // one .desktop file is one autostart entry
    Tie tie;
    std::string_view text = name;
    for (auto& e : ini.entries) {
      if (tie.tied()) break;
      if (e.key != "Exec" && e.key != "TryExec") continue;
      auto t = ctx.judge(e.value, c);
      if (t.level > tie.level) tie = t, c.line = e.line, text = e.text;
    }
    // The file's own name ("kworkerd.desktop") ties as the miner's name without its suffix.
    auto stem = std::string_view(name).substr(0, name.rfind('.'));
    if (!tie.tied())
      if (auto t = ctx.rules.judge(stem, ctx.incident); t.tied()) tie = t, c.line.reset(), text = name;
    if (tie.level != TieLevel::none) ctx.report(c, tie, tie.tied() ? Severity::high : Severity::info, tie.tied(), text);
  }
}

}  // namespace

void scan_xdg_autostart(ScanContext& ctx) {
  scan_folder(ctx, "/etc/xdg/autostart", "root");
  for (auto& u : ctx.users) scan_folder(ctx, join_path(u.home, ".config/autostart"), u.name);
}

}  // namespace unmine
