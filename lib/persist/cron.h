#pragma once
// cron: /etc/crontab and /etc/cron.d/* (with a user field), user crontabs under /var/spool/cron (without),
// /etc/anacrontab, and the scripts of /etc/cron.{hourly,daily,weekly,monthly}.
#include <string>
#include <string_view>
#include <vector>

#include "persist/scan_context.h"

namespace unmine {

enum class CronFormat { system, user, anacron };

struct CronEntry {
  enum class Type { job, env };
  int line = 0;
  Type type = Type::job;
  std::string_view text;     // the whole line as written
  std::string schedule;      // "*/5 * * * *", "@reboot", "1 5 daily.job" (anacron: period delay id)
  std::string user;          // system crontabs only
  std::string_view command;  // what runs (env lines: the assignment)
  bool malformed = false;    // cron would reject it; still judged: it is evidence of intent
};

struct CronParse {
  std::vector<CronEntry> entries;
  std::vector<LineAnomaly> anomalies;
};

CronParse parse_crontab(std::string_view text, CronFormat format);

void scan_cron(ScanContext& ctx);

}  // namespace unmine
