#include "persist/accounts.h"

#include <charconv>

#include "core/text.h"
#include "host/passwd.h"

namespace unmine {

std::map<std::string, long> parse_shadow_last_change(std::string_view text) {
  std::map<std::string, long> out;
  for (auto line : lines(text)) {
    auto first = line.find(':');
    if (first == std::string_view::npos) continue;
    auto second = line.find(':', first + 1);
    if (second == std::string_view::npos) continue;
    auto third = line.find(':', second + 1);
    auto field = line.substr(second + 1, (third == std::string_view::npos ? line.size() : third) - second - 1);
    long day = 0;
    auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), day);
    if (ec == std::errc() && end == field.data() + field.size() && !field.empty())
      out[std::string(line.substr(0, first))] = day;
  }
  return out;
}

bool is_login_shell(std::string_view shell) {
  auto name = base_name(shell);
  return !shell.empty() && name != "nologin" && name != "false" && name != "sync" && name != "halt" &&
         name != "shutdown";
}

void scan_accounts(ScanContext& ctx) {
  auto passwd = ctx.host.read("/etc/passwd", ScanContext::kMaxFile);
  if (!passwd) return;
  auto shadow = ctx.host.read("/etc/shadow", ScanContext::kMaxFile);
  auto changed = shadow ? parse_shadow_last_change(shadow->data) : std::map<std::string, long>{};
  long window_day = static_cast<long>(ctx.out.window.start / 86400);
  int n = 0;
  for (auto raw : lines(passwd->data)) {
    ++n;
    auto parsed = parse_passwd(raw);
    if (parsed.users.size() != 1) continue;
    auto& u = parsed.users.front();
    if (!is_login_shell(u.shell)) continue;
    bool second_root = u.uid == 0 && u.name != "root";
    auto it = changed.find(u.name);
    bool added = it != changed.end() && it->second >= window_day;
    if (!second_root && !added) continue;
    Candidate c{"user.added", Group::persistence, "/etc/passwd", n, std::string(raw), u.name};
    std::string summary =
        "account " + printable(u.name) + " (uid " + std::to_string(u.uid) + ", shell " + printable(u.shell) + ")";
    if (added) summary += " with a password set in the compromise window";
    if (second_root) summary += ", a second account with uid 0";
    summary += "; removing an account is left to the responder";
    // Never neutralised here: deleting an account can lock people out.
    ctx.report(c,
               Tie{second_root ? TieLevel::malicious : TieLevel::lookalike,
                   second_root ? "second_uid0" : "account_added", u.name, "name"},
               second_root ? Severity::high : Severity::low, false, raw, summary, second_root ? "malicious" : "new");
  }
}

}  // namespace unmine
