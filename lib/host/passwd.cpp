#include "host/passwd.h"

#include <charconv>

#include "core/text.h"

namespace unmine {

PasswdParse parse_passwd(std::string_view text) {
  PasswdParse out;
  size_t n = 0;
  for (auto line : lines(text)) {
    ++n;
    if (trim(line).empty() || line.front() == '#') continue;
    auto f = split_nul(line, ':');
    unsigned long uid = 0, gid = 0;
    if (f.size() < 7 || std::from_chars(f[2].data(), f[2].data() + f[2].size(), uid).ec != std::errc{} ||
        std::from_chars(f[3].data(), f[3].data() + f[3].size(), gid).ec != std::errc{}) {
      out.bad_lines.push_back(n);
      continue;
    }
    out.users.push_back({f[0], static_cast<uid_t>(uid), static_cast<gid_t>(gid), f[5], f[6]});
  }
  return out;
}

std::vector<PasswdEntry> read_passwd(const HostRoot& host) {
  auto f = host.read("/etc/passwd", 4u << 20);
  if (!f) return {};
  return parse_passwd(f->data).users;
}

}  // namespace unmine
