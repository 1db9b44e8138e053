#pragma once
// systemd: units and timers of the system and user search paths, their *.d/*.conf drop-ins, the
// wants/requires symlinks that enable them, and generators (programs run at every boot and reload).
#include "persist/scan_context.h"

namespace unmine {

// Unit search folders (system first, then user-wide; per-user folders come from each home).
extern const std::vector<std::string> kSystemUnitDirs;
extern const std::vector<std::string> kUserUnitDirs;

void scan_systemd(ScanContext& ctx);

}  // namespace unmine
