#pragma once
// The key=value-in-sections format of systemd units, drop-ins and XDG .desktop files.
#include <string>
#include <string_view>
#include <vector>

#include "persist/scan_context.h"

namespace unmine {

struct IniEntry {
  int line = 0;           // where the entry starts (continuations follow it)
  std::string section;    // "Service", "Desktop Entry"
  std::string key;        // "ExecStart"
  std::string value;      // continuation lines joined with a space
  std::string_view text;  // the first line as written
};

struct IniParse {
  std::vector<IniEntry> entries;
  std::vector<LineAnomaly> anomalies;
};

IniParse parse_ini(std::string_view text);

}  // namespace unmine
