#pragma once
// /etc/ld.so.preload: libraries loaded into every dynamically linked process (process hiders, miners'
// helpers). Entries are separated by whitespace or ':'; '#' starts a comment to the end of the line, as
// the loader reads it. The one parser of the file: persistence, hunt and unpersist use it.
#include "persist/scan_context.h"

namespace unmine {

struct PreloadEntry {
  int line = 0;
  std::string_view entry;  // one library path
  std::string_view text;   // its whole line
};

std::vector<PreloadEntry> parse_ld_so_preload(std::string_view text);

void scan_ld_preload(ScanContext& ctx);

}  // namespace unmine
