#pragma once
// SysV boot: /etc/rc.local, /etc/init.d/* scripts and the /etc/rc?.d links that start them.
#include "persist/scan_context.h"

namespace unmine {

struct ScriptLine {
  int line = 0;
  std::string_view text;
};

// Lines of a shell script that run something: not blank, not comments, not the shebang or `exit 0`.
std::vector<ScriptLine> script_lines(std::string_view text);

void scan_init_scripts(ScanContext& ctx);

}  // namespace unmine
