#pragma once
// XDG autostart: .desktop files started with every graphical session (/etc/xdg/autostart,
// ~/.config/autostart).
#include "persist/scan_context.h"

namespace unmine {

void scan_xdg_autostart(ScanContext& ctx);

}  // namespace unmine
