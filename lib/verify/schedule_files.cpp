#include "verify/schedule_files.h"

#include "core/error.h"
#include "verify/duration.h"

namespace unmine {
namespace {

void refuse_unsafe(const std::string& what, const std::string& s, bool cron) {
  if (s.find_first_of("\n\r") != std::string::npos) throw UsageError(what + " holds a newline: cannot schedule it");
  if (cron && s.find('%') != std::string::npos)
    throw UsageError(what + " holds a '%', which cron would cut: cannot schedule it");
}

std::string header_comment(const ScheduleSpec& s) {
  return "# " + schedule_name(s.case_uuid) + ": unmine verify --schedule for case " + s.case_uuid + ", every " +
         format_duration(s.every) + " until " + s.until + ".\n# Remove with: " + shell_quote(s.exe) + " --case " +
         shell_quote(s.case_dir) + " verify --unschedule --apply\n";
}

}  // namespace

std::string schedule_name(const std::string& case_uuid) { return "unmine-verify-" + case_uuid; }

std::vector<std::string> scheduled_argv(const ScheduleSpec& s) {
  return {s.exe, "--case", s.case_dir, "--root", "/", "verify", "--expire-after", s.until};
}

std::string cron_schedule(std::chrono::seconds every) {
  int64_t minutes = std::max<int64_t>(1, every.count() / 60);
  if (minutes < 60) {
    while (60 % minutes) --minutes;
    return minutes == 1 ? "* * * * *" : "*/" + std::to_string(minutes) + " * * * *";
  }
  int64_t hours = minutes / 60;
  if (hours < 24) {
    while (24 % hours) --hours;
    return hours == 1 ? "0 * * * *" : "0 */" + std::to_string(hours) + " * * *";
  }
  return "0 0 * * *";
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string systemd_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '%') out += '%';
    if (c == '$') out += '$';
    out += c;
  }
  return out + "\"";
}

std::vector<ScheduleFile> schedule_files(const ScheduleSpec& s) {
  bool cron = s.scheduler == "cron";
  refuse_unsafe("the unmine path", s.exe, cron);
  refuse_unsafe("the case folder", s.case_dir, cron);
  auto name = schedule_name(s.case_uuid);
  auto argv = scheduled_argv(s);
  if (cron) {
    std::string cmd;
    for (auto& a : argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
    return {{"/etc/cron.d/" + name, header_comment(s) + "SHELL=/bin/sh\nPATH=/usr/sbin:/usr/bin:/sbin:/bin\n" +
                                        cron_schedule(s.every) + " root " + cmd + " >/dev/null 2>&1\n"}};
  }
  std::string exec;
  for (auto& a : argv) exec += (exec.empty() ? "" : " ") + systemd_quote(a);
  auto every = format_duration(s.every);
  std::string service = header_comment(s) + "[Unit]\nDescription=unmine verify: re-check case " + s.case_uuid +
                        " for the miner's return\nDocumentation=man:unmine-verify(1)\n\n"
                        "[Service]\nType=oneshot\nExecStart=" +
                        exec + "\n";
  std::string timer = header_comment(s) + "[Unit]\nDescription=unmine verify every " + every + " until " + s.until +
                      " (case " + s.case_uuid +
                      ")\nDocumentation=man:unmine-verify(1)\n\n"
                      "[Timer]\nOnActiveSec=" +
                      every + "\nOnUnitActiveSec=" + every + "\nAccuracySec=1s\nUnit=" + name +
                      ".service\n\n[Install]\nWantedBy=timers.target\n";
  return {{"/etc/systemd/system/" + name + ".service", service}, {"/etc/systemd/system/" + name + ".timer", timer}};
}

}  // namespace unmine
