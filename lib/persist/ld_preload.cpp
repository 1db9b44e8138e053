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

PreloadJudgement judge_preload_entry(const HostRoot& host, std::string_view entry, bool tied,
                                     const DpkgDatabase* dpkg) {
  if (tied) return {PreloadState::tied, Severity::high, {}};
  if (!host.exists(entry)) return {PreloadState::missing, Severity::medium, {}};
  if (dpkg && dpkg->present() && dpkg->owned_unmodified(host, entry))
    return {PreloadState::packaged, Severity::info, std::string(dpkg->package_of(entry))};
  return {PreloadState::present, Severity::high, {}};
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
    auto judged = judge_preload_entry(ctx.host, e.entry, tie.tied(), &ctx.dpkg);
    if (judged.state == PreloadState::tied) {
      ctx.report(c, tie, judged.severity, true, e.text);
    } else if (judged.state == PreloadState::packaged) {
      ctx.report(c, Tie{TieLevel::lookalike, "preload_packaged", std::string(e.entry), "path"}, judged.severity, false,
                 e.text,
                 "library preloaded into every process: " + printable(e.entry) + " (package " +
                     printable(judged.package) + "'s library, unmodified)");
    } else {
      // Not tied to this incident: the responder decides.
      ctx.report(
          c, Tie{TieLevel::lookalike, "preload_not_tied", std::string(e.entry), "path"}, judged.severity, false, e.text,
          "library preloaded into every process: " + printable(e.entry) + " (not tied to the incident; judge by hand)");
    }
  }
}

}  // namespace unmine
