#include "persist/cron.h"

#include <array>
#include <cctype>

#include "core/text.h"

namespace unmine {
namespace {

constexpr std::array<std::string_view, 9> kSpecials = {"@reboot", "@yearly",   "@annually", "@monthly", "@weekly",
                                                       "@daily",  "@midnight", "@hourly",   "@every"};

// Splits off the next whitespace-separated field.
std::string_view next_field(std::string_view& rest) {
  rest = trim(rest);
  size_t end = 0;
  while (end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[end]))) ++end;
  auto f = rest.substr(0, end);
  rest.remove_prefix(end);
  return f;
}

bool is_time_field(std::string_view f) {
  if (f.empty()) return false;
  for (char c : f)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '*' && c != '/' && c != ',' && c != '-' && c != '~')
      return false;
  return true;
}

// NAME=value (cron environment); the name is an identifier, spaces allowed around '='.
bool is_env_assignment(std::string_view line) {
  auto eq = line.find('=');
  if (eq == std::string_view::npos) return false;
  auto name = trim(line.substr(0, eq));
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace

CronParse parse_crontab(std::string_view text, CronFormat format) {
  CronParse out;
  int n = 0;
  for (auto raw : lines(text)) {
    ++n;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    CronEntry e;
    e.line = n;
    e.text = raw;
    if (is_env_assignment(line)) {
      e.type = CronEntry::Type::env;
      e.command = line;
      out.entries.push_back(e);
      continue;
    }
    std::string_view rest = line;
    auto first = next_field(rest);
    bool ok = true;
    if (first.front() == '@') {
      ok = std::find(kSpecials.begin(), kSpecials.end(), to_lower(first)) != kSpecials.end();
      e.schedule = std::string(first);
      if (format == CronFormat::anacron) {  // @monthly DELAY ID command
        auto delay = next_field(rest), id = next_field(rest);
        e.schedule += " " + std::string(delay) + " " + std::string(id);
        ok = ok && !id.empty();
      }
    } else if (format == CronFormat::anacron) {  // PERIOD DELAY ID command
      auto delay = next_field(rest), id = next_field(rest);
      ok = is_time_field(first) && !delay.empty() && !id.empty();
      e.schedule = std::string(first) + " " + std::string(delay) + " " + std::string(id);
    } else {
      std::string sched(first);
      ok = is_time_field(first);
      for (int i = 0; i < 4 && ok; ++i) {
        auto f = next_field(rest);
        ok = is_time_field(f);
        sched += " " + std::string(f);
      }
      e.schedule = sched;
    }
    if (ok && format == CronFormat::system) {
      auto user = next_field(rest);
      e.user = std::string(user);
      ok = !user.empty();
    }
    e.command = trim(rest);
    if (!ok || e.command.empty()) {
      // Judge the whole line: a broken entry naming the miner is still the attacker's.
      e.malformed = true;
      e.command = line;
      out.anomalies.push_back({n, "not a valid cron entry"});
    }
    out.entries.push_back(e);
  }
  return out;
}

namespace {

void scan_crontab_file(ScanContext& ctx, const std::string& path, CronFormat format, const std::string& owner) {
  auto f = ctx.read_once(path, "cron");
  if (!f) return;
  auto parsed = parse_crontab(f->data, format);
  ctx.anomalies(path, parsed.anomalies);
  for (auto& e : parsed.entries) {
    Candidate c{"cron", Group::persistence, path, e.line, std::string(e.text), e.user.empty() ? owner : e.user};
    // The command alone is judged: a pattern for "runs a program from /tmp" reads where the command starts.
    ctx.consider(c, e.command);
  }
}

// Scripts run by run-parts: each non-comment line is judged; a script whose name ties it is removed whole.
void scan_cron_script(ScanContext& ctx, const std::string& path) {
  auto f = ctx.read_once(path, "cron");
  if (!f) return;
  Candidate whole{"cron", Group::persistence, path, std::nullopt, std::string(base_name(path)), "root"};
  whole.how = Neutralise::file;
  auto name_tie = ctx.rules.judge(path, ctx.incident);
  if (name_tie.tied()) {
    ctx.report(whole, name_tie, Severity::high, true, path);
    return;
  }
  int n = 0;
  for (auto raw : lines(f->data)) {
    ++n;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    Candidate c{"cron", Group::persistence, path, n, std::string(raw), "root"};
    ctx.consider(c, raw);
  }
}

}  // namespace

void scan_cron(ScanContext& ctx) {
  scan_crontab_file(ctx, "/etc/crontab", CronFormat::system, "root");
  for (auto& name : ctx.names_in("/etc/cron.d"))
    scan_crontab_file(ctx, join_path("/etc/cron.d", name), CronFormat::system, "root");
  scan_crontab_file(ctx, "/etc/anacrontab", CronFormat::anacron, "root");
  // Debian keeps user crontabs in crontabs/, Red Hat directly in /var/spool/cron/.
  for (std::string dir : {"/var/spool/cron/crontabs", "/var/spool/cron"}) {
    for (auto& name : ctx.names_in(dir)) {
      auto path = join_path(dir, name);
      auto st = ctx.host.lstat(path);
      if (!st || !S_ISREG(st->st_mode)) continue;  // atjobs/, crontabs/ and friends
      scan_crontab_file(ctx, path, CronFormat::user, name);
    }
  }
  for (std::string period : {"hourly", "daily", "weekly", "monthly"}) {
    std::string dir = "/etc/cron." + period;
    for (auto& name : ctx.names_in(dir)) scan_cron_script(ctx, join_path(dir, name));
  }
}

}  // namespace unmine
