#pragma once
// The recurring verify check as files: a systemd service + timer, or one /etc/cron.d entry. Pure: the
// text of each file from what the schedule is; the installer (schedule.h) writes them.
#include <chrono>
#include <string>
#include <vector>

namespace unmine {

struct ScheduleSpec {
  std::string case_uuid;
  std::string exe;       // absolute path of this binary
  std::string case_dir;  // absolute
  std::chrono::seconds every{3600};
  std::string until;      // ISO 8601 UTC: the check removes its schedule after this
  std::string scheduler;  // systemd | cron
};

struct ScheduleFile {
  std::string path;  // inside the root
  std::string content;
};

// "unmine-verify-<case uuid>": the unit / cron.d name, also the tag that marks the files as ours.
std::string schedule_name(const std::string& case_uuid);
// The command the scheduler runs, as argv.
std::vector<std::string> scheduled_argv(const ScheduleSpec& spec);
// Cron's five time fields for an interval, to the minute (below a minute: every minute; an interval
// that does not divide the hour or the day is rounded to one that does, said in the plan).
std::string cron_schedule(std::chrono::seconds every);
// Shell quoting for cron's /bin/sh; systemd's ExecStart= quoting (with % and $ escaped).
std::string shell_quote(const std::string& s);
std::string systemd_quote(const std::string& s);

// Throws UsageError when a path cannot be written safely into the scheduler's syntax (a newline, a % for cron).
std::vector<ScheduleFile> schedule_files(const ScheduleSpec& spec);

}  // namespace unmine
