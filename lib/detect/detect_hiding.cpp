// Hiding: libraries preloaded into every process through /etc/ld.so.preload, the usual way miners hide
// their process and files from ps, top and ls.
#include <optional>

#include "core/text.h"
#include "detect/detectors.h"
#include "host/dpkg_db.h"
#include "persist/ld_preload.h"

namespace unmine {

std::vector<Finding> detect_hiding(const HostRoot& host) {
  std::vector<Finding> out;
  constexpr std::string_view kPreload = "/etc/ld.so.preload";
  auto f = host.read(kPreload, 1 << 20);
  if (!f) return out;
  std::optional<DpkgDatabase> dpkg;  // loaded only when something is preloaded: most hosts preload nothing
  for (auto& e : parse_ld_so_preload(f->data)) {
    std::string entry(e.entry);
    if (!dpkg && host.exists(entry)) dpkg.emplace(DpkgDatabase::load(host));
    // Hiding knows no incident: tied entries are persistence's to say (triage keeps that finding instead).
    auto judged = judge_preload_entry(host, entry, false, dpkg ? &*dpkg : nullptr);
    bool present = judged.state != PreloadState::missing;
    bool packaged = judged.state == PreloadState::packaged;
    std::string summary(kPreload);
    summary += " line " + std::to_string(e.line) + " preloads " + printable(entry) + " into every process";
    if (!present) summary += " (the library is missing)";
    if (packaged) summary += " (package " + printable(judged.package) + "'s library, unmodified)";
    auto severity = judged.severity;
    auto fi =
        make_finding(Group::hiding, "ld_preload", severity, summary, "hiding\n" + std::string(kPreload) + "\n" + entry);
    fi.path = std::string(kPreload);
    fi.line = e.line;
    fi.evidence = {{"library", printable(entry)},
                   {"exists", present},
                   {"text", printable(trim(e.text))},
                   {"rule", packaged ? "ld.so.preload entry, packaged library" : "ld.so.preload entry"}};
    out.push_back(std::move(fi));
  }
  return out;
}

}  // namespace unmine
