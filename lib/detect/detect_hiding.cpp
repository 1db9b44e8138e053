// Hiding: libraries preloaded into every process through /etc/ld.so.preload, the usual way miners hide
// their process and files from ps, top and ls.
#include "core/text.h"
#include "detect/detectors.h"
#include "persist/ld_preload.h"

namespace unmine {

std::vector<Finding> detect_hiding(const HostRoot& host) {
  std::vector<Finding> out;
  constexpr std::string_view kPreload = "/etc/ld.so.preload";
  auto f = host.read(kPreload, 1 << 20);
  if (!f) return out;
  for (auto& e : parse_ld_so_preload(f->data)) {
    std::string entry(e.entry);
    bool present = host.exists(entry);
    std::string summary(kPreload);
    summary += " line " + std::to_string(e.line) + " preloads " + printable(entry) + " into every process";
    if (!present) summary += " (the library is missing)";
    auto fi = make_finding(Group::hiding, "ld_preload", present ? Severity::high : Severity::medium, summary,
                           "hiding\n" + std::string(kPreload) + "\n" + entry);
    fi.path = std::string(kPreload);
    fi.line = e.line;
    fi.evidence = {{"library", printable(entry)}, {"exists", present}, {"text", printable(trim(e.text))},
                   {"rule", "ld.so.preload entry"}};
    out.push_back(std::move(fi));
  }
  return out;
}

}  // namespace unmine
