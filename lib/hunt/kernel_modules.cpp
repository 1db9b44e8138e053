#include "hunt/kernel_modules.h"

#include <algorithm>
#include <optional>

#include "core/text.h"

namespace unmine {

std::string module_name(std::string_view s) {
  if (auto slash = s.rfind('/'); slash != std::string_view::npos) s = s.substr(slash + 1);
  if (auto ko = s.find(".ko"); ko != std::string_view::npos) s = s.substr(0, ko);
  std::string out(s);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::vector<LoadedModule> parse_proc_modules(std::string_view text) {
  std::vector<LoadedModule> out;
  for (auto line : lines(text)) {
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || sp == 0) continue;
    LoadedModule m;
    m.name = std::string(line.substr(0, sp));
    for (auto st : {"Live", "Loading", "Unloading"})
      if (line.find(std::string(" ") + st + " ") != std::string_view::npos) m.state = st;
    if (auto paren = line.rfind('('); paren != std::string_view::npos && line.back() == ')')
      m.taint = std::string(line.substr(paren));
    out.push_back(std::move(m));
  }
  return out;
}

std::set<std::string> parse_modules_dep(std::string_view text) {
  std::set<std::string> out;
  for (auto line : lines(text)) {
    auto colon = line.find(':');
    auto path = trim(colon == std::string_view::npos ? line : line.substr(0, colon));
    if (!path.empty()) out.insert(module_name(path));
  }
  return out;
}

std::vector<Finding> check_kernel_modules(HuntContext& ctx) {
  std::vector<Finding> out;
  if (!ctx.host.has_proc()) return out;
  auto mods = ctx.host.read_proc("modules", 4 << 20);
  if (!mods) {
    ctx.note("no /proc/modules: kernel modules not checked");
    return out;
  }
  auto loaded = parse_proc_modules(mods->data);
  std::set<std::string> loaded_names;
  for (auto& m : loaded) loaded_names.insert(m.name);

  std::set<std::string> rootkits;
  for (auto& n : ctx.playbook.list("hunt/rootkit_modules.txt")) rootkits.insert(module_name(to_lower(n)));

  std::set<std::string> shipped;
  std::string release;
  if (auto r = ctx.host.read_proc("sys/kernel/osrelease", 256)) release = std::string(trim(r->data));
  bool have_dep = false;
  if (!release.empty() && release.find('/') == std::string::npos) {
    for (auto* file : {"modules.dep", "modules.builtin"})
      if (auto t = ctx.host.read("/lib/modules/" + release + "/" + file, 16 << 20)) {
        have_dep |= std::string_view(file) == "modules.dep";
        auto s = parse_modules_dep(t->data);
        shipped.insert(s.begin(), s.end());
      }
  }
  if (!have_dep && !loaded.empty())
    ctx.note("no modules.dep for kernel " + printable(release) +
             " under the root: loaded modules not compared with the kernel's own");

  for (auto& m : loaded) {
    auto lower = to_lower(m.name);
    bool rootkit = rootkits.count(lower) > 0;
    bool unknown = have_dep && !shipped.count(m.name);
    if (!rootkit && !unknown) continue;
    auto shown = printable(m.name);
    auto f = make_finding(Group::hiding, rootkit ? "kernel.rootkit_module" : "kernel.module_unknown",
                          rootkit ? Severity::critical : Severity::medium,
                          rootkit ? "kernel module with a rootkit's name is loaded: " + shown
                                  : "loaded kernel module is not one the running kernel ships: " + shown,
                          "module:" + m.name);
    f.evidence = {{"module", shown}, {"state", m.state}, {"taint", printable(m.taint)}, {"kernel", printable(release)}};
    out.push_back(std::move(f));
  }

  // A module unlinked from the module list still has its /sys/module entry (initstate only exists for
  // loadable modules, so built-ins are not mistaken for hidden ones).
  if (ctx.host.has_sys()) {
    std::optional<std::set<std::string>> reread;
    for (auto& e : ctx.host.list_sys("module")) {
      if (loaded_names.count(e.name)) continue;
      if (!ctx.host.read_sys("module/" + e.name + "/initstate", 64)) continue;
      // Loaded between the two reads? A fresh /proc/modules settles it.
      if (!reread) {
        reread.emplace();
        if (auto again = ctx.host.read_proc("modules", 4 << 20))
          for (auto& m : parse_proc_modules(again->data)) reread->insert(m.name);
      }
      if (reread->count(e.name)) continue;
      auto shown = printable(e.name);
      auto f = make_finding(Group::hiding, "kernel.module_hidden", Severity::critical,
                            "kernel module in /sys/module is missing from /proc/modules: " + shown,
                            "module-hidden:" + e.name);
      f.evidence = {{"module", shown}, {"how", "listed in /sys/module with initstate, absent from /proc/modules"}};
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace unmine
