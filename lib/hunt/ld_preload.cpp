#include "hunt/ld_preload.h"

#include "core/hashing.h"
#include "core/text.h"
#include "persist/ld_preload.h"

namespace unmine {

namespace {

Finding library_finding(HuntContext& ctx, const std::string& lib, const std::string& source, int line) {
  auto shown = printable(lib);
  bool managed = ctx.dpkg.owns(lib);
  auto content = ctx.host.read(lib, 64 << 20);
  auto f = make_finding(Group::hiding, "ld_preload", managed ? Severity::high : Severity::critical,
                        "library preloaded into every process: " + shown + " (" + source + ")", source + '\0' + lib);
  f.path = source;
  f.line = line;
  f.evidence = {{"library", shown}, {"exists", content.has_value()}, {"package_owned", managed}};
  if (content) f.evidence["sha256"] = sha256_hex(content->data);
  if (managed) f.evidence["package"] = std::string(ctx.dpkg.package_of(lib));
  return f;
}

}  // namespace

std::vector<Finding> check_ld_preload(HuntContext& ctx) {
  std::vector<Finding> out;
  if (auto text = ctx.host.read("/etc/ld.so.preload", 1 << 20)) {
    for (auto& e : parse_ld_so_preload(text->data))
      out.push_back(library_finding(ctx, std::string(e.entry), "/etc/ld.so.preload", e.line));
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
        out.push_back(library_finding(ctx, std::string(e.entry), "/etc/environment", n));
    }
  }
  return out;
}

}  // namespace unmine
