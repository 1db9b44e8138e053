#include "persist/systemd.h"

#include <algorithm>
#include <map>
#include <memory>

#include "core/text.h"
#include "persist/ini.h"

namespace unmine {

const std::vector<std::string> kSystemUnitDirs = {"/etc/systemd/system", "/run/systemd/system",
                                                  "/usr/local/lib/systemd/system", "/usr/lib/systemd/system",
                                                  "/lib/systemd/system"};
const std::vector<std::string> kUserUnitDirs = {"/etc/systemd/user", "/run/systemd/user", "/usr/local/lib/systemd/user",
                                                "/usr/lib/systemd/user", "/lib/systemd/user"};

namespace {

const std::vector<std::string> kGeneratorDirs = {"/etc/systemd/system-generators",
                                                 "/run/systemd/system-generators",
                                                 "/usr/local/lib/systemd/system-generators",
                                                 "/usr/lib/systemd/system-generators",
                                                 "/lib/systemd/system-generators",
                                                 "/etc/systemd/user-generators",
                                                 "/usr/local/lib/systemd/user-generators",
                                                 "/usr/lib/systemd/user-generators",
                                                 "/lib/systemd/user-generators"};

bool is_unit_name(std::string_view name) {
  for (std::string_view suffix : {".service", ".timer", ".socket", ".path", ".mount", ".automount", ".target"})
    if (name.ends_with(suffix)) return true;
  return false;
}

struct UnitFile {
  std::string name, path, user;
  bool user_unit = false;
  std::shared_ptr<const std::string> data;  // the file's bytes: the entries' text views point into them
  IniParse ini;
  std::optional<Tie> tie;
  const IniEntry* tied_entry = nullptr;
};

struct Folder {
  std::string dir, user;
  bool user_unit;
};

// The first entry whose value ties the unit to the incident (else the first lookalike).
void judge_unit(ScanContext& ctx, UnitFile& u) {
  for (auto& e : u.ini.entries) {
    if (u.tie && u.tie->tied()) return;
    auto t = ctx.judge(e.key + "=" + e.value,
                       Candidate{"systemd", Group::persistence, u.path, e.line, std::string(e.text), u.user, u.name});
    if (t.level > (u.tie ? u.tie->level : TieLevel::none)) u.tie = t, u.tied_entry = &e;
  }
  if (u.tie && u.tie->tied()) return;
  // The unit's own name ("kworkerd.service", "kworkerd@.service") ties as the miner's name without its suffix.
  auto stem = std::string_view(u.name).substr(0, std::min(u.name.rfind('.'), u.name.find('@')));
  if (auto name_tie = ctx.rules.judge(stem, ctx.incident); name_tie.tied()) u.tie = name_tie, u.tied_entry = nullptr;
}

}  // namespace

void scan_systemd(ScanContext& ctx) {
  std::vector<Folder> folders;
  folders.reserve(std::size(kSystemUnitDirs) + std::size(kUserUnitDirs) + 2 * ctx.users.size());
  for (auto& d : kSystemUnitDirs) folders.push_back({d, "root", false});
  for (auto& d : kUserUnitDirs) folders.push_back({d, "", true});
  for (auto& u : ctx.users) {
    folders.push_back({join_path(u.home, ".config/systemd/user"), u.name, true});
    folders.push_back({join_path(u.home, ".local/share/systemd/user"), u.name, true});
  }

  std::vector<UnitFile> units;
  std::map<std::string, std::vector<std::string>> links;  // unit name -> wants/requires symlinks
  struct DropIn {
    std::string unit, path, user;
    bool user_unit;
  };
  std::vector<DropIn> dropins;
  for (auto& folder : folders) {
    for (auto& name : ctx.names_in(folder.dir)) {
      auto path = join_path(folder.dir, name);
      auto lst = ctx.host.lstat(path);
      if (!lst) continue;
      if (S_ISDIR(lst->st_mode)) {
        if (name.ends_with(".wants") || name.ends_with(".requires") || name.ends_with(".upholds")) {
          for (auto& link : ctx.names_in(path)) {
            auto target = ctx.host.readlink(join_path(path, link));
            links[link].push_back(join_path(path, link));
            // A wants/ link to a unit file of another name (an alias) enables that one as well.
            if (target && base_name(*target) != link)
              links[std::string(base_name(*target))].push_back(join_path(path, link));
          }
        } else if (name.ends_with(".d")) {
          for (auto& conf : ctx.names_in(path))
            if (conf.ends_with(".conf"))
              dropins.push_back(
                  {name.substr(0, name.size() - 2), join_path(path, conf), folder.user, folder.user_unit});
        }
        continue;
      }
      if (!is_unit_name(name)) continue;
      if (S_ISLNK(lst->st_mode)) {
        auto target = ctx.host.readlink(path);
        if (target && (*target == "/dev/null" || base_name(*target) != name)) continue;  // masked, or an alias
      }
      auto f = ctx.read_once(path, "systemd");
      if (!f) continue;
      auto data = std::make_shared<const std::string>(std::move(f->data));
      UnitFile u{name, path, folder.user, folder.user_unit, data, parse_ini(*data), std::nullopt, nullptr};
      ctx.anomalies(path, u.ini.anomalies);
      units.push_back(std::move(u));
    }
  }

  std::map<std::string, bool> tied_units;
  for (auto& u : units) {
    judge_unit(ctx, u);
    if (u.tie && u.tie->tied()) tied_units[u.name] = true;
  }
  // A timer (or socket, path unit) that starts a tied service is tied with it.
  for (auto& u : units) {
    if (u.tie && u.tie->tied()) continue;
    auto dot = u.name.rfind('.');
    std::string target = u.name.substr(0, dot) + ".service";
    const IniEntry* unit_entry = nullptr;  // the Unit= line that names the service, when there is one
    for (auto& e : u.ini.entries)
      if ((e.section == "Timer" || e.section == "Path" || e.section == "Socket") && e.key == "Unit") {
        target = e.value;
        unit_entry = &e;
      }
    if (target != u.name && tied_units.count(target)) {
      u.tie = Tie{TieLevel::tied, "starts_tied_unit", target, "unit"};
      u.tied_entry = unit_entry;
    }
  }
  for (auto& u : units) {
    if (!u.tie) continue;
    Candidate c{"systemd", Group::persistence, u.path, std::nullopt, "", u.user, u.name};
    c.user_unit = u.user_unit;
    c.how = Neutralise::unit;
    c.links = links[u.name];
    std::string_view text = u.name;
    if (u.tied_entry) {
      c.line = u.tied_entry->line;
      text = u.tied_entry->text;
    }
    ctx.report(c, *u.tie, u.tie->tied() ? Severity::high : Severity::info, u.tie->tied(), text);
  }

  // Drop-ins: the drop-in file is the smallest thing to remove (the unit it extends may be the host's own).
  for (auto& d : dropins) {
    auto f = ctx.read_once(d.path, "systemd");
    if (!f) continue;
    auto ini = parse_ini(f->data);
    ctx.anomalies(d.path, ini.anomalies);
    for (auto& e : ini.entries) {
      Candidate c{"systemd", Group::persistence, d.path, e.line, std::string(e.text), d.user, d.unit};
      c.how = Neutralise::file;
      c.user_unit = d.user_unit;
      auto t = ctx.judge(e.key + "=" + e.value, c);
      if (t.level == TieLevel::none) continue;
      ctx.report(c, t, t.tied() ? Severity::high : Severity::info, t.tied(), e.text);
      if (t.tied()) break;
    }
  }

  // Generators run as root early at boot: any script there that names the incident is persistence. An ELF
  // generator is never read as lines (read_once judges it by its hash, inode and package).
  for (auto& dir : kGeneratorDirs) {
    for (auto& name : ctx.names_in(dir)) {
      auto path = join_path(dir, name);
      auto f = ctx.read_once(path, "systemd", 8 << 20);
      if (!f) continue;
      Candidate c{"systemd", Group::persistence, path, std::nullopt, name, "root"};
      c.how = Neutralise::file;
      auto t = ctx.rules.judge(path, ctx.incident);
      int n = 0;
      // Every line: the strongest tie is the generator's, and what each line runs or reads (the unit it
      // writes names the miner) is remembered for dormant-miner identification.
      for (auto raw : lines(f->data)) {
        ++n;
        auto lt = ctx.judge(raw, c);
        if (lt.level > t.level) {
          t = lt;
          c.line = n;
          c.raw_line = std::string(raw.substr(0, 512));
        }
      }
      if (t.tied())
        ctx.report(c, t, Severity::high, true,
                   c.raw_line.empty() ? std::string_view(path) : std::string_view(c.raw_line));
    }
  }
}

}  // namespace unmine
