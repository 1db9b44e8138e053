#include "hunt/config_directives.h"

#include "core/text.h"

namespace unmine {

std::vector<Directive> parse_directives(std::string_view text, std::string_view separators) {
  std::vector<Directive> out;
  int n = 0;
  for (auto raw : lines(text)) {
    ++n;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == '[') continue;
    auto sep = line.find_first_of(separators);
    Directive d;
    d.key = to_lower(trim(line.substr(0, sep)));
    d.value = sep == std::string_view::npos ? std::string() : std::string(trim(line.substr(sep + 1)));
    if (separators.find('=') != std::string_view::npos && !d.value.empty() && d.value.front() == '=')
      d.value = std::string(trim(std::string_view(d.value).substr(1)));
    d.line = n;
    d.text = printable(line);
    if (!d.key.empty()) out.push_back(std::move(d));
  }
  return out;
}

std::string first_word_lower(std::string_view value) {
  value = trim(value);
  auto sp = value.find_first_of(" \t");
  auto w = value.substr(0, sp);
  if (w.size() >= 2 && (w.front() == '"' || w.front() == '\'') && w.back() == w.front()) w = w.substr(1, w.size() - 2);
  return to_lower(w);
}

}  // namespace unmine
