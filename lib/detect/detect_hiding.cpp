// Hiding: libraries preloaded into every process through /etc/ld.so.preload, the usual way miners hide
// their process and files from ps, top and ls.
#include "core/text.h"
#include "detect/detectors.h"

namespace unmine {

std::vector<Finding> detect_hiding(const HostRoot& host) {
  std::vector<Finding> out;
  constexpr std::string_view kPreload = "/etc/ld.so.preload";
  auto f = host.read(kPreload, 1 << 20);
  if (!f) return out;
  int number = 0;
  for (auto raw : lines(f->data)) {
    ++number;
    auto line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    // Entries are separated by whitespace or ':' (ld.so(8)).
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == ':')) ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != ':') ++j;
      if (j == i) break;
      std::string entry(line.substr(i, j - i));
      i = j;
      bool present = host.exists(entry);
      std::string summary(kPreload);
      summary += " line " + std::to_string(number) + " preloads " + printable(entry) + " into every process";
      if (!present) summary += " (the library is missing)";
      auto fi = make_finding(Group::hiding, "ld_preload", present ? Severity::high : Severity::medium, summary,
                             "hiding\n" + std::string(kPreload) + "\n" + entry);
      fi.path = std::string(kPreload);
      fi.line = number;
      fi.evidence = {{"library", printable(entry)}, {"exists", present}, {"text", printable(line)},
                     {"rule", "ld.so.preload entry"}};
      out.push_back(std::move(fi));
    }
  }
  return out;
}

}  // namespace unmine
