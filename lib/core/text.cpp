#include "core/text.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

namespace unmine {
namespace {

// Length of the valid UTF-8 sequence at s[i] (its code point in cp), or 0 if it is not one.
size_t utf8_len(std::string_view s, size_t i, char32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n;
  cp = b;
  if (b < 0x80) return 1;
  if ((b & 0xE0) == 0xC0) {
    n = 2;
    cp = b & 0x1F;
  } else if ((b & 0xF0) == 0xE0) {
    n = 3;
    cp = b & 0x0F;
  } else if ((b & 0xF8) == 0xF0) {
    n = 4;
    cp = b & 0x07;
  } else
    return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  // Overlong forms, surrogates and out-of-range code points are not valid UTF-8.
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return n;
}

// Code points a terminal acts on rather than shows: C1 controls (U+0080-U+009F, e.g. CSI) and the
// bidirectional overrides and isolates that make "exe.sh" read as "hs.exe".
bool terminal_control(char32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

std::string escaped(std::string_view raw, bool escape_backslash) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size();) {
    auto b = static_cast<unsigned char>(raw[i]);
    if (b == '\\' && escape_backslash) {
      out += "\\\\";
      ++i;
      continue;
    }
    if (b == '\n') {
      out += "\\n";
      ++i;
      continue;
    }
    if (b == '\t') {
      out += "\\t";
      ++i;
      continue;
    }
    char32_t cp = 0;
    size_t n = (b < 0x20 || b == 0x7F) ? 0 : utf8_len(raw, i, cp);
    if (n == 0 || terminal_control(cp)) {
      // Each byte escaped, so the original bytes can still be read back.
      for (size_t k = 0; k < std::max<size_t>(n, 1); ++k) {
        char buf[5];
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(raw[i + k]));
        out += buf;
      }
      i += std::max<size_t>(n, 1);
    } else {
      out.append(raw.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace

std::string printable(std::string_view raw) { return escaped(raw, true); }

std::string terminal_safe(std::string_view text) { return escaped(text, false); }

std::vector<std::string> split_nul(std::string_view raw, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < raw.size()) {
    size_t end = raw.find(sep, start);
    if (end == std::string_view::npos) end = raw.size();
    out.emplace_back(raw.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  return true;
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string_view> lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::string_view base_name(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string dir_name(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? std::string("/") : std::string(path.substr(0, slash));
}

std::string joined(const std::vector<std::string>& argv, size_t from) {
  std::string s;
  for (size_t i = from; i < argv.size(); ++i) {
    if (!s.empty()) s += ' ';
    s += argv[i];
  }
  return s;
}

bool is_ip_address(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;  // inet_pton would stop at it
  std::string t(text);
  unsigned char buf[sizeof(in6_addr)];
  return ::inet_pton(AF_INET, t.c_str(), buf) == 1 || ::inet_pton(AF_INET6, t.c_str(), buf) == 1;
}

bool is_public_address(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return false;
  std::string t(text);
  unsigned char a[sizeof(in6_addr)] = {};
  if (::inet_pton(AF_INET, t.c_str(), a) == 1) {
    if (a[0] == 0 || a[0] == 127 || a[0] == 10) return false;
    if (a[0] == 172 && (a[1] & 0xf0) == 16) return false;
    if (a[0] == 192 && a[1] == 168) return false;
    if (a[0] == 169 && a[1] == 254) return false;
    if (a[0] == 100 && (a[1] & 0xc0) == 64) return false;
    return true;
  }
  if (::inet_pton(AF_INET6, t.c_str(), a) != 1) return false;
  static constexpr unsigned char kV4Mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(a, a + 12, kV4Mapped)) {
    char v4[INET_ADDRSTRLEN];
    return ::inet_ntop(AF_INET, a + 12, v4, sizeof v4) && is_public_address(v4);
  }
  if (std::all_of(a, a + 15, [](unsigned char c) { return c == 0; })) return false;  // :: and ::1
  if ((a[0] & 0xfe) == 0xfc) return false;                                           // fc00::/7
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return false;                           // fe80::/10
  return true;
}

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

bool is_binary_content(std::string_view data) {
  if (data.starts_with("\x7f"
                       "ELF"))
    return true;
  auto start = data.substr(0, 4096);
  auto nul = start.find('\0');
  if (nul == std::string_view::npos) return false;
  auto last_line_end = start.rfind('\n');
  return last_line_end == std::string_view::npos || nul < last_line_end;
}

}  // namespace unmine
