#include "persist/modprobe.h"

#include "core/text.h"
#include "persist/init_scripts.h"

namespace unmine {

void scan_modprobe(ScanContext& ctx) {
  for (std::string dir :
       {"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d"}) {
    for (auto& name : ctx.names_in(dir)) {
      if (!name.ends_with(".conf")) continue;
      auto path = join_path(dir, name);
      auto f = ctx.read_once(path, "msr");
      if (!f) continue;
      for (auto& l : script_lines(f->data)) {
        if (!ctx.rules.enables_msr_writes(l.text)) continue;
        Candidate c{"msr", Group::system_optimization, path, l.line, std::string(l.text), "root"};
        ctx.report(c, Tie{TieLevel::malicious, "msr_allow_writes", std::string(trim(l.text)), "setting"},
                   Severity::high, true, l.text,
                   "MSR writes allowed at every boot in " + printable(path) + ":" + std::to_string(l.line) +
                       " (the RandomX MSR mod miners apply; nothing else on a server needs it)");
      }
    }
  }
}

}  // namespace unmine
