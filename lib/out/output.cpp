#include "out/output.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "core/text.h"

namespace unmine {

Output::Output(bool json)
    : json_(json),
      color_(!json && ::isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr),
      progress_(!json && ::isatty(STDERR_FILENO)) {}

void Output::document(const nlohmann::json& doc) const {
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  std::cout.flush();
}

void Output::document_text(std::string_view json_text) const {
  std::cout << json_text << '\n';
  std::cout.flush();
}

void Output::text(std::string_view s) const {
  if (json_) return;
  std::cout << s;
  std::cout.flush();
}

void Output::table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) const {
  if (json_) return;
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.size() + 1);
  cells.push_back(header);
  cells.insert(cells.end(), rows.begin(), rows.end());
  // Widths count bytes of the visible text: ANSI colour codes are not counted.
  auto visible = [](const std::string& s) {
    size_t n = 0;
    bool esc = false;
    for (unsigned char c : s) {
      if (c == 0x1b)
        esc = true;
      else if (esc) {
        if (c == 'm') esc = false;
      } else if ((c & 0xC0) != 0x80)
        ++n;
    }
    return n;
  };
  std::vector<size_t> width(header.size(), 0);
  for (auto& r : cells)
    for (size_t i = 0; i < r.size() && i < width.size(); ++i)
      width[i] = std::max(width[i], std::min<size_t>(visible(r[i]), 80));
  std::string out;
  for (size_t ri = 0; ri < cells.size(); ++ri) {
    auto& r = cells[ri];
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) {
      std::string c = ri == 0 ? bold(r[i]) : r[i];
      out += c;
      if (i + 1 < r.size()) out.append(width[i] > visible(r[i]) ? width[i] - visible(r[i]) + 2 : 2, ' ');
    }
    out += '\n';
  }
  std::cout << out;
  std::cout.flush();
}

std::string Output::severity(Severity s) const {
  std::string word(to_string(s));
  if (!color_) return word;
  const char* code = "0";
  switch (s) {
    case Severity::info: code = "2"; break;
    case Severity::low: code = "36"; break;
    case Severity::medium: code = "33"; break;
    case Severity::high: code = "31"; break;
    case Severity::critical: code = "1;31"; break;
  }
  return std::string("\x1b[") + code + "m" + word + "\x1b[0m";
}

std::string Output::bold(std::string_view s) const {
  if (!color_) return std::string(s);
  return "\x1b[1m" + std::string(s) + "\x1b[0m";
}

// Notes carry names from the host: whatever a caller passed, nothing reaches the terminal raw.
void Output::note(std::string_view s) const { std::cerr << "unmine: " << terminal_safe(s) << '\n'; }

void Output::progress(std::string_view s) const {
  if (!progress_) return;
  std::cerr << "\r\x1b[K" << s << std::flush;
}

void Output::progress_done() const {
  if (!progress_) return;
  std::cerr << "\r\x1b[K" << std::flush;
}

void print_findings(const Output& out, const std::vector<Finding>& findings) {
  if (findings.empty()) {
    out.text("No findings.\n");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (auto& f : findings) {
    std::string where = f.path ? *f.path : std::string();
    if (f.path && f.line) where += ":" + std::to_string(*f.line);
    if (f.pid) where = "pid " + std::to_string(*f.pid) + (where.empty() ? "" : " " + where);
    rows.push_back({out.severity(f.severity), std::string(to_string(f.group)), terminal_safe(f.kind),
                    terminal_safe(where), terminal_safe(f.summary)});
  }
  out.table({"SEVERITY", "GROUP", "KIND", "WHERE", "SUMMARY"}, rows);
}

void print_cut_short(const Output& out, std::string_view command) {
  out.text(out.bold("Incomplete:") + " a limit cut " + std::string(command) +
           " short; the notes say what was left out.\n");
}

Notices Output::notices() const {
  return {[this](const std::string& s) { note(s); }, [this](const std::string& s) { progress(s); },
          [this] { progress_done(); }};
}

}  // namespace unmine
