#include "persist/ld_preload.h"

#include <cctype>
#include <set>

#include "core/text.h"

namespace unmine {
namespace {

constexpr size_t kMaxLibrary = 16 << 20;
constexpr size_t kMaxHiddenNames = 4096;  // a library's name-like strings kept
constexpr size_t kMaxListed = 8192;       // entries looked at in one folder

bool name_char(unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; }

// Name-like strings in a library's bytes (runs of [A-Za-z0-9._-], 4 to 64 long): a hider keeps the process
// names it hides as plain strings, beside its symbol names, which name no file in a dropper's folder.
std::set<std::string, std::less<>> name_like_strings(std::string_view bytes) {
  std::set<std::string, std::less<>> out;
  size_t i = 0;
  while (i < bytes.size() && out.size() < kMaxHiddenNames) {
    while (i < bytes.size() && !name_char(static_cast<unsigned char>(bytes[i]))) ++i;
    size_t start = i;
    while (i < bytes.size() && name_char(static_cast<unsigned char>(bytes[i]))) ++i;
    if (i - start >= 4 && i - start <= 64) out.emplace(bytes.substr(start, i - start));
  }
  return out;
}

// Files in the droppers' folders (and their hidden sub-folders) named by a string of the hider: what it
// hides, often the miner itself (Rocke's libcset.so hides /tmp/kerberods). They are identified as dormant
// miners; package files are left out.
void refer_hidden_files(ScanContext& ctx, std::string_view library) {
  auto names = name_like_strings(library);
  if (names.empty()) return;
  auto look = [&](const std::string& dir, bool descend, auto& self) -> void {
    size_t seen = 0;
    for (auto& e : ctx.host.list(dir)) {
      if (++seen > kMaxListed) break;
      auto path = (dir == "/" ? "" : dir) + "/" + e.name;
      if (names.contains(e.name) && !(ctx.dpkg.present() && ctx.dpkg.owns(path))) ctx.refer(path);
      if (!descend || !e.name.starts_with('.') || e.name == "." || e.name == "..") continue;
      if (auto st = ctx.host.lstat(path); st && S_ISDIR(st->st_mode)) self(path, false, self);
    }
  };
  for (auto& dir : ctx.rules.hider_drop_folders()) look(dir, true, look);
}

}  // namespace

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

Finding preload_finding(std::string_view source, const PreloadEntry& e, const PreloadJudgement& judged) {
  bool present = judged.state != PreloadState::missing;
  bool packaged = judged.state == PreloadState::packaged;
  std::string summary(source);
  summary += " line " + std::to_string(e.line) + " preloads " + printable(e.entry) + " into every process";
  if (!present) summary += " (the library is missing)";
  if (packaged) summary += " (package " + printable(judged.package) + "'s library, unmodified)";
  auto f = make_finding(Group::hiding, "ld_preload", judged.severity, summary,
                        "hiding\n" + std::string(source) + "\n" + std::string(e.entry));
  f.path = std::string(source);
  f.line = e.line;
  std::string rule = source == "/etc/ld.so.preload" ? "ld.so.preload entry" : "LD_PRELOAD entry";
  if (packaged) rule += ", packaged library";
  f.evidence = {
      {"library", printable(e.entry)}, {"exists", present}, {"text", printable(trim(e.text))}, {"rule", rule}};
  if (packaged) f.evidence["package"] = printable(judged.package);
  return f;
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
    // A process hider names the processes it hides: the library's bytes may name the miner.
    auto lib = ctx.host.read(e.entry, kMaxLibrary);
    if (!tie.tied() && lib) {
      auto inner = ctx.rules.judge(lib->data, ctx.incident);
      if (inner.tied()) tie = {TieLevel::tied, "library." + inner.rule, inner.indicator, inner.indicator_type};
    }
    auto judged = judge_preload_entry(ctx.host, e.entry, tie.tied(), &ctx.dpkg);
    if (lib && (judged.state == PreloadState::tied || judged.state == PreloadState::present))
      refer_hidden_files(ctx, lib->data);
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
