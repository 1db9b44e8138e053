#include "persist/udev.h"

#include <cctype>

#include "core/text.h"

namespace unmine {

UdevParse parse_udev_rules(std::string_view text) {
  UdevParse out;
  int n = 0;
  for (auto raw : lines(text)) {
    ++n;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ',' || std::isspace(static_cast<unsigned char>(line[i])))) ++i;
      if (i >= line.size() || line[i] == '\\') break;
      size_t key_start = i;
      while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '_')) ++i;
      std::string key(line.substr(key_start, i - key_start));
      if (i < line.size() && line[i] == '{') {
        auto close = line.find('}', i);
        if (close == std::string_view::npos) break;
        i = close + 1;
      }
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      size_t op_start = i;
      while (i < line.size() &&
             (line[i] == '=' || line[i] == '+' || line[i] == '-' || line[i] == '!' || line[i] == ':'))
        ++i;
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      if (key.empty() || i == op_start || i >= line.size() || line[i] != '"') {
        out.anomalies.push_back({n, "not a KEY op \"value\" list"});
        break;
      }
      auto close = line.find('"', i + 1);
      if (close == std::string_view::npos) {
        out.anomalies.push_back({n, "unterminated value"});
        break;
      }
      std::string value(line.substr(i + 1, close - i - 1));
      i = close + 1;
      if (key == "RUN" || key == "PROGRAM" || key == "IMPORT") out.commands.push_back({n, key, value, raw});
    }
  }
  return out;
}

void scan_udev(ScanContext& ctx) {
  for (std::string dir : {"/etc/udev/rules.d", "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",
                          "/usr/lib/udev/rules.d", "/lib/udev/rules.d"}) {
    for (auto& name : ctx.names_in(dir)) {
      if (!name.ends_with(".rules")) continue;
      auto path = join_path(dir, name);
      auto f = ctx.read_once(path, "udev");
      if (!f) continue;
      auto parsed = parse_udev_rules(f->data);
      ctx.anomalies(path, parsed.anomalies);
      int last = 0;
      for (auto& cmd : parsed.commands) {
        if (cmd.line == last) continue;  // one finding a line
        Candidate c{"udev", Group::persistence, path, cmd.line, std::string(cmd.text), "root"};
        if (ctx.consider(c, cmd.value).level != TieLevel::none) last = cmd.line;
      }
    }
  }
}

}  // namespace unmine
