#include "hunt/journal_reader.h"

#include <sys/stat.h>

#include <charconv>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/text.h"

namespace unmine {
namespace {

constexpr const char* kJournalctl = "/usr/bin/journalctl";

// MESSAGE is a string, or an array of byte values when it is not valid UTF-8.
std::string message_of(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  std::string out;
  if (v.is_array())
    for (auto& b : v)
      if (b.is_number_integer()) out += static_cast<char>(b.get<int>());
  return out;
}

// The directory as the analyst's machine sees it, only when it resolves inside the root (journalctl
// follows symlinks; a planted one must not make it read the analyst's own journal).
std::optional<std::string> inside_root(const HostRoot& host, const std::string& path) {
  auto st = host.stat(path);
  if (!st || !S_ISDIR(st->st_mode)) return std::nullopt;
  auto real_root = ::realpath(host.root_path().c_str(), nullptr);
  auto real_dir = ::realpath(host.host_path(path).c_str(), nullptr);
  std::optional<std::string> out;
  if (real_root && real_dir) {
    std::string r(real_root), d(real_dir);
    if (r == "/" || d == r || d.starts_with(r + "/")) out = d;
  }
  std::free(real_root);
  std::free(real_dir);
  return out;
}

}  // namespace

std::optional<JournalEntry> parse_journal_json(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  JournalEntry e;
  if (auto t = j.find("__REALTIME_TIMESTAMP"); t != j.end() && t->is_string()) {
    int64_t us = 0;
    auto s = t->get<std::string>();
    std::from_chars(s.data(), s.data() + s.size(), us);
    e.at = us / 1000000;
  }
  if (auto m = j.find("MESSAGE"); m != j.end()) e.message = message_of(*m);
  if (auto i = j.find("SYSLOG_IDENTIFIER"); i != j.end() && i->is_string()) e.identifier = i->get<std::string>();
  return e;
}

std::vector<JournalEntry> read_journal(HuntContext& ctx, const std::vector<std::string>& match, size_t max_entries) {
  std::vector<JournalEntry> out;
  if (!ctx.run) return out;
  struct stat st {};
  if (::stat(kJournalctl, &st) != 0) {
    ctx.note("no /usr/bin/journalctl on this machine: the systemd journal was not read");
    return out;
  }
  for (auto* dir : {"/var/log/journal", "/run/log/journal"}) {
    auto real = inside_root(ctx.host, dir);
    if (!real) continue;
    std::vector<std::string> argv = {kJournalctl, "--directory=" + *real,     "-o", "json", "--no-pager",
                                     "-n",        std::to_string(max_entries)};
    for (auto& m : match) argv.push_back(m);
    auto r = ctx.run(argv);
    if (r.exit_code != 0 && r.out.empty()) {
      ctx.note("journalctl --directory=" + printable(*real) + " failed: " + printable(trim(r.err).substr(0, 200)));
      continue;
    }
    for (auto line : lines(r.out))
      if (auto e = parse_journal_json(line)) out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace unmine
