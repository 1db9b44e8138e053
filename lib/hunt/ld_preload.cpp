#include "hunt/ld_preload.h"

#include "core/hashing.h"
#include "core/text.h"
#include "persist/ld_preload.h"

namespace unmine {

namespace {

// The one decision and finding of persist/ld_preload.h (as validate reports the entry), plus the library's
// SHA-256 for sweeping other hosts. Hunt knows no incident: nothing is tied here.
Finding library_finding(HuntContext& ctx, std::string_view source, const PreloadEntry& e) {
  auto f = preload_finding(source, e, judge_preload_entry(ctx.host, e.entry, false, &ctx.dpkg));
  if (auto content = ctx.host.read(e.entry, 64 << 20)) f.evidence["sha256"] = sha256_hex(content->data);
  return f;
}

}  // namespace

std::vector<Finding> check_ld_preload(HuntContext& ctx) {
  std::vector<Finding> out;
  if (auto text = ctx.host.read("/etc/ld.so.preload", 1 << 20)) {
    for (auto& e : parse_ld_so_preload(text->data)) out.push_back(library_finding(ctx, "/etc/ld.so.preload", e));
  }
  if (auto env = ctx.host.read("/etc/environment", 1 << 20)) {
    int n = 0;
    for (auto line : lines(env->data)) {
      ++n;
      auto t = trim(line);
      if (t.starts_with("export ")) t = trim(t.substr(7));
      if (!t.starts_with("LD_PRELOAD=")) continue;
      auto value = t.substr(11);
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\''))
        value = value.substr(1, value.size() - 2);
      for (auto& e : parse_ld_so_preload(value))
        out.push_back(library_finding(ctx, "/etc/environment", PreloadEntry{n, e.entry, line}));
    }
  }
  return out;
}

}  // namespace unmine
