#include "hunt/ssh_access.h"

#include <fnmatch.h>
#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "case/case_store.h"
#include "core/text.h"
#include "hunt/config_directives.h"
#include "hunt/journal_reader.h"
#include "hunt/log_files.h"

namespace unmine {
namespace {

struct SshdState {
  SshdSettings s;
  std::set<std::string> seen;
  bool in_match = false;
};

void apply(SshdState& st, std::string_view text, const std::string& file,
           const std::function<std::vector<std::pair<std::string, std::string>>(std::string_view)>& include,
           int depth) {
  st.s.files.push_back(file);
  for (auto& d : parse_directives(text, " \t=")) {
    if (d.key == "match") st.in_match = true;
    if (st.in_match) continue;
    if (d.key == "include" && depth < 8) {
      for (auto& pattern : lines(d.value))
        for (auto& [path, body] : include(trim(pattern))) apply(st, body, path, include, depth + 1);
      continue;
    }
    if (!st.seen.insert(d.key).second) continue;  // the first value wins
    auto v = first_word_lower(d.value);
    if (d.key == "passwordauthentication")
      st.s.password_auth = v == "yes";
    else if (d.key == "kbdinteractiveauthentication" || d.key == "challengeresponseauthentication")
      st.s.kbd_interactive = v == "yes";
    else if (d.key == "permitrootlogin")
      st.s.permit_root_login = v;
    else if (d.key == "permitemptypasswords")
      st.s.permit_empty_passwords = v == "yes";
  }
}

int month_index(std::string_view m) {
  static const char* names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (m == names[i]) return i;
  return -1;
}

std::string_view word_after(std::string_view s, std::string_view marker) {
  auto p = s.find(marker);
  if (p == std::string_view::npos) return {};
  auto rest = s.substr(p + marker.size());
  return rest.substr(0, rest.find(' '));
}

std::vector<std::string> first_users(const std::set<std::string>& users, size_t n) {
  std::vector<std::string> out;
  for (auto& u : users) {
    if (out.size() >= n) break;
    out.push_back(u);
  }
  return out;
}

}  // namespace

SshdSettings parse_sshd_config(
    std::string_view main_text,
    const std::function<std::vector<std::pair<std::string, std::string>>(std::string_view)>& include) {
  SshdState st;
  apply(st, main_text, "/etc/ssh/sshd_config", include, 0);
  return st.s;
}

std::optional<AuthEvent> parse_sshd_message(std::string_view m) {
  AuthEvent e;
  if (m.starts_with("Failed ")) {
    // Failed password for [invalid user] NAME from IP port N ssh2
    e.method = std::string(m.substr(7, m.find(' ', 7) - 7));
    auto f = m.find(" for ");
    auto from = m.rfind(" from ");
    if (f == std::string_view::npos || from == std::string_view::npos || from < f) return std::nullopt;
    auto user = m.substr(f + 5, from - f - 5);
    if (user.starts_with("invalid user ")) user.remove_prefix(13);
    e.user = printable(user);
    e.ip = printable(word_after(m.substr(from), " from "));
  } else if (m.starts_with("Invalid user ")) {
    auto from = m.rfind(" from ");
    if (from == std::string_view::npos) return std::nullopt;
    e.method = "invalid_user";
    e.user = printable(m.substr(13, from - 13));
    e.ip = printable(word_after(m.substr(from), " from "));
  } else if (m.starts_with("Accepted ")) {
    e.success = true;
    e.method = std::string(m.substr(9, m.find(' ', 9) - 9));
    auto f = m.find(" for ");
    auto from = m.rfind(" from ");
    if (f == std::string_view::npos || from == std::string_view::npos || from < f) return std::nullopt;
    e.user = printable(m.substr(f + 5, from - f - 5));
    e.ip = printable(word_after(m.substr(from), " from "));
  } else {
    return std::nullopt;
  }
  if (e.ip.empty()) return std::nullopt;
  e.line = printable(m.substr(0, 300));
  return e;
}

std::optional<SyslogLine> parse_syslog_line(std::string_view line, int year_hint) {
  SyslogLine out;
  std::string_view rest;
  if (line.size() > 20 && line[4] == '-' && line[10] == 'T') {
    struct tm tm {};
    int y, mo, d, h, mi, s;
    if (std::sscanf(std::string(line.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s) != 6)
      return std::nullopt;
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d, tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = s;
    out.at = ::timegm(&tm);
    auto sp = line.find(' ');
    auto stamp = line.substr(19, sp - 19);
    auto zone = stamp.find_first_of("+-Z");
    if (zone != std::string_view::npos && stamp[zone] != 'Z' && stamp.size() >= zone + 6) {
      int oh = std::atoi(std::string(stamp.substr(zone + 1, 2)).c_str());
      int om = std::atoi(std::string(stamp.substr(zone + 4, 2)).c_str());
      out.at -= (stamp[zone] == '-' ? -1 : 1) * (int64_t{oh} * 3600 + int64_t{om} * 60);
    }
    rest = line.substr(sp + 1);
  } else if (line.size() > 16 && month_index(line.substr(0, 3)) >= 0) {
    struct tm tm {};
    int d, h, mi, s;
    if (std::sscanf(std::string(line.substr(4, 11)).c_str(), "%d %d:%d:%d", &d, &h, &mi, &s) != 4) return std::nullopt;
    tm.tm_year = year_hint - 1900, tm.tm_mon = month_index(line.substr(0, 3)), tm.tm_mday = d, tm.tm_hour = h,
    tm.tm_min = mi, tm.tm_sec = s;
    out.at = ::timegm(&tm);
    rest = line.substr(16);
  } else {
    return std::nullopt;
  }
  // "host program[pid]: message"
  auto sp = rest.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  rest = rest.substr(sp + 1);
  auto colon = rest.find(": ");
  if (colon == std::string_view::npos) return std::nullopt;
  auto prog = rest.substr(0, colon);
  if (auto br = prog.find('['); br != std::string_view::npos) prog = prog.substr(0, br);
  out.program = prog;
  out.message = rest.substr(colon + 2);
  return out;
}

std::vector<Finding> detect_bruteforce(const std::vector<AuthEvent>& events, size_t threshold) {
  std::vector<Finding> out;
  struct Source {
    size_t failures = 0;
    std::set<std::string> users;
    const AuthEvent* first_failure = nullptr;
    const AuthEvent* success = nullptr;  // the first success after `threshold` failures
  };
  std::map<std::string, Source> by_ip;
  std::vector<const AuthEvent*> sorted;
  sorted.reserve(events.size());
  for (auto& e : events) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->at < b->at; });
  for (auto* e : sorted) {
    auto& s = by_ip[e->ip];
    if (!e->success) {
      if (e->method == "invalid_user") {
        s.users.insert(e->user);
        if (!s.first_failure) s.first_failure = e;
        continue;  // counted by its "Failed ..." line
      }
      ++s.failures;
      s.users.insert(e->user);
      if (!s.first_failure) s.first_failure = e;
    } else if (s.failures >= threshold && !s.success) {
      s.success = e;
    }
  }
  for (auto& [ip, s] : by_ip) {
    if (s.failures < threshold) continue;
    if (s.success) {
      bool password = s.success->method == "password" || s.success->method.starts_with("keyboard-interactive");
      auto f = make_finding(Group::entry_vector, "auth.bruteforce", password ? Severity::critical : Severity::high,
                            std::to_string(s.failures) + " failed SSH logins from " + ip + ", then " +
                                s.success->method + " login as " + s.success->user + " at " + iso8601(s.success->at),
                            "ssh-bruteforce:" + ip + '\0' + s.success->user);
      f.path = s.success->source;
      f.evidence = {{"source_ip", ip},
                    {"failures", s.failures},
                    {"users_tried", first_users(s.users, 20)},
                    {"first_failure_at", iso8601(s.first_failure->at)},
                    {"success_at", iso8601(s.success->at)},
                    {"success_user", s.success->user},
                    {"success_method", s.success->method},
                    {"log_line", s.success->line},
                    {"log_source", s.success->source}};
      out.push_back(std::move(f));
    } else {
      auto f = make_finding(Group::entry_vector, "auth.bruteforce", Severity::low,
                            std::to_string(s.failures) + " failed SSH logins from " + ip + " (no success seen)",
                            "ssh-bruteforce:" + ip);
      f.path = s.first_failure->source;
      f.evidence = {{"source_ip", ip},
                    {"failures", s.failures},
                    {"first_failure_at", iso8601(s.first_failure->at)},
                    {"log_line", s.first_failure->line},
                    {"log_source", s.first_failure->source}};
      out.push_back(std::move(f));
    }
  }
  return out;
}

std::vector<Finding> check_ssh_access(HuntContext& ctx) {
  std::vector<Finding> out;
  std::vector<AuthEvent> events;
  for (auto& log : read_rotated_logs(ctx.host, "/var/log", "auth.log")) {
    struct tm tm {};
    time_t mt = static_cast<time_t>(log.mtime);
    ::gmtime_r(&mt, &tm);
    int file_year = tm.tm_year + 1900, file_month = tm.tm_mon;
    for (auto line : lines(log.text)) {
      // Traditional syslog lines carry no year: the file's own year, or the one before for months after it.
      int year = file_year;
      if (line.size() > 3 && month_index(line.substr(0, 3)) > file_month) --year;
      auto sl = parse_syslog_line(line, year);
      if (!sl || !(sl->program == "sshd" || sl->program == "sshd-session")) continue;
      if (auto e = parse_sshd_message(sl->message)) {
        e->at = sl->at;
        e->source = log.path;
        e->line = printable(line.substr(0, 300));
        events.push_back(std::move(*e));
      }
    }
  }
  for (auto* id : {"SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session"})
    for (auto& j : read_journal(ctx, {id}))
      if (auto e = parse_sshd_message(j.message)) {
        e->at = j.at;
        e->source = "journal";
        events.push_back(std::move(*e));
      }
  auto brute = detect_bruteforce(events, 10);
  bool brute_success = false;
  for (auto& f : brute) brute_success |= f.severity >= Severity::high;
  out.reserve(out.size() + brute.size());
  for (auto& f : brute) out.push_back(std::move(f));

  if (auto main = ctx.host.read("/etc/ssh/sshd_config", 1 << 20)) {
    auto include = [&](std::string_view pattern) {
      std::vector<std::pair<std::string, std::string>> files;
      std::string p(pattern);
      if (!p.starts_with("/")) p = "/etc/ssh/" + p;
      auto slash = p.rfind('/');
      auto dir = p.substr(0, slash), glob = p.substr(slash + 1);
      std::vector<std::string> names;
      for (auto& e : ctx.host.list(dir))
        if (::fnmatch(glob.c_str(), e.name.c_str(), 0) == 0) names.push_back(e.name);
      std::sort(names.begin(), names.end());
      for (auto& n : names)
        if (auto t = ctx.host.read(dir + "/" + n, 1 << 20)) files.emplace_back(dir + "/" + n, t->data);
      return files;
    };
    auto s = parse_sshd_config(main->data, include);
    bool passwords = s.password_auth || s.kbd_interactive;
    if (passwords || s.permit_empty_passwords) {
      Severity sev = Severity::info;
      std::string why = "SSH accepts password logins";
      if (s.permit_root_login == "yes") sev = Severity::medium, why += " and root may log in with a password";
      if (s.permit_empty_passwords) sev = Severity::high, why += "; empty passwords are permitted";
      if (brute_success) sev = std::max(sev, Severity::high), why += "; a brute force succeeded";
      auto f = make_finding(Group::entry_vector, "exposed.service", sev, why, "sshd-password");
      f.path = "/etc/ssh/sshd_config";
      f.evidence = {{"service", "ssh"},
                    {"password_authentication", s.password_auth},
                    {"kbd_interactive_authentication", s.kbd_interactive},
                    {"permit_root_login", s.permit_root_login},
                    {"permit_empty_passwords", s.permit_empty_passwords},
                    {"files", s.files}};
      out.push_back(std::move(f));
    }
  }
  return out;
}

}  // namespace unmine
