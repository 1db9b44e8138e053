#include "persist/ld_preload.h"

#include "core/text.h"

namespace unmine {

std::vector<PreloadEntry> parse_ld_so_preload(std::string_view text) {
  std::vector<PreloadEntry> out;
  int n = 0;
  for (auto raw : lines(text)) {
    ++n;
    auto names = raw.substr(0, raw.find('#'));  // the loader blanks '#' to the end of the line
    size_t i = 0;
    while (i < names.size()) {
      auto sep = [](char c) { return c == ' ' || c == '\t' || c == ':' || c == '\r'; };
      while (i < names.size() && sep(names[i])) ++i;
      size_t start = i;
      while (i < names.size() && !sep(names[i])) ++i;
      if (i > start) out.push_back({n, names.substr(start, i - start), raw});
    }
  }
  return out;
}

void scan_ld_preload(ScanContext& ctx) {
  const std::string path = "/etc/ld.so.preload";
  auto f = ctx.read_once(path, "ld_preload");
  if (!f) return;
  for (auto& e : parse_ld_so_preload(f->data)) {
    // Preloading hides processes from every tool, so ld.so.preload is hiding (contract) as well as persistence.
    Candidate c{"ld_preload", Group::hiding, path, e.line, std::string(e.text), "root"};
    c.entry = std::string(e.entry);
    auto tie = ctx.rules.judge(e.entry, ctx.incident);
    if (!tie.tied()) {
      // A process hider names the processes it hides: the library's bytes may name the miner.
      if (auto lib = ctx.host.read(e.entry, 16 << 20)) {
        auto inner = ctx.rules.judge(lib->data, ctx.incident);
        if (inner.tied()) tie = {TieLevel::tied, "library." + inner.rule, inner.indicator, inner.indicator_type};
      }
    }
    if (tie.tied()) {
      ctx.report(c, tie, Severity::high, true, e.text);
    } else if (ctx.dpkg.present() && ctx.dpkg.owned_unmodified(ctx.host, e.entry)) {
      // jemalloc preloaded for a database: the package's own bytes, an administrator's choice.
      ctx.report(c, Tie{TieLevel::lookalike, "preload_packaged", std::string(e.entry), "path"}, Severity::info, false, e.text,
                 "library preloaded into every process: " + printable(e.entry) + " (package " +
                     printable(ctx.dpkg.package_of(e.entry)) + "'s library, unmodified)");
    } else {
      // Rare on a healthy host, yet not tied to this incident: the responder decides.
      ctx.report(c, Tie{TieLevel::lookalike, "preload_not_tied", std::string(e.entry), "path"}, Severity::medium, false,
                 e.text, "library preloaded into every process: " + printable(e.entry) + " (not tied to the incident; judge by hand)");
    }
  }
}

}  // namespace unmine
