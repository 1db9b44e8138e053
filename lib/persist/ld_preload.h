#pragma once
// /etc/ld.so.preload: libraries loaded into every dynamically linked process (process hiders, miners'
// helpers). Entries are separated by whitespace or ':'; '#' starts a comment to the end of the line, as
// the loader reads it. The one parser of the file: persistence, hunt and unpersist use it.
#include "host/dpkg_db.h"
#include "model/finding.h"
#include "persist/scan_context.h"

namespace unmine {

struct PreloadEntry {
  int line = 0;
  std::string_view entry;  // one library path
  std::string_view text;   // its whole line
};

std::vector<PreloadEntry> parse_ld_so_preload(std::string_view text);

// What one entry is: decided here alone, for validate's hiding detector and for the persistence scan.
enum class PreloadState {
  tied,      // tied to the incident (by its path or its library's bytes): high, unpersist removes it
  packaged,  // a package's library, unmodified (jemalloc for a database): an administrator's choice, info
  present,   // any other library that exists: it hides processes from every tool, high
  missing,   // names no file: the loader skips it, but someone wrote it there, medium
};
struct PreloadJudgement {
  PreloadState state = PreloadState::missing;
  Severity severity = Severity::medium;
  std::string package;  // packaged: the package that installed it
};
// `dpkg` may be null (not loaded): nothing is then packaged.
PreloadJudgement judge_preload_entry(const HostRoot& host, std::string_view entry, bool tied, const DpkgDatabase* dpkg);

// The hiding finding (kind ld_preload) for one entry that `source` preloads (/etc/ld.so.preload, or an
// LD_PRELOAD line of /etc/environment), at the judgement's severity: validate's hiding detector and hunt
// report an entry alike, with the same id.
Finding preload_finding(std::string_view source, const PreloadEntry& e, const PreloadJudgement& judged);

void scan_ld_preload(ScanContext& ctx);

}  // namespace unmine
