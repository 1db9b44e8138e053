#include "persist/ini.h"

#include "core/text.h"

namespace unmine {

IniParse parse_ini(std::string_view text) {
  IniParse out;
  std::string section;
  int n = 0;
  IniEntry* open = nullptr;  // an entry whose line ended with a backslash
  for (auto raw : lines(text)) {
    ++n;
    auto line = trim(raw);
    if (open) {
      bool more = line.ends_with('\\');
      if (more) line.remove_suffix(1);
      if (!line.empty() && line.front() != '#' && line.front() != ';') open->value += " " + std::string(trim(line));
      if (!more) open = nullptr;
      continue;
    }
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']') out.anomalies.push_back({n, "unterminated section header"});
      section = std::string(line.substr(1, line.back() == ']' ? line.size() - 2 : line.size() - 1));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      out.anomalies.push_back({n, "not a key=value line"});
      continue;
    }
    if (section.empty()) out.anomalies.push_back({n, "assignment outside any section"});
    IniEntry e{n, section, std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1))), raw};
    bool more = !e.value.empty() && e.value.back() == '\\';
    if (more) e.value = std::string(trim(std::string_view(e.value).substr(0, e.value.size() - 1)));
    out.entries.push_back(std::move(e));
    if (more) open = &out.entries.back();
  }
  return out;
}

}  // namespace unmine
