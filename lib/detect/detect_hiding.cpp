// Hiding: libraries preloaded into every process through /etc/ld.so.preload, the usual way miners hide
// their process and files from ps, top and ls.
#include <optional>

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
    out.push_back(preload_finding(kPreload, e, judge_preload_entry(host, entry, false, dpkg ? &*dpkg : nullptr)));
  }
  return out;
}

}  // namespace unmine
