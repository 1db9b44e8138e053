#pragma once
// SSH as the way in: password logins allowed by sshd_config (with its Include files), and brute force
// in the logs (auth.log and rotations, the systemd journal): many failures, then a success, from one
// source.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hunt/hunt_context.h"
#include "model/finding.h"

namespace unmine {

struct SshdSettings {
  bool password_auth = true;  // OpenSSH's default
  bool kbd_interactive = true;
  std::string permit_root_login = "prohibit-password";
  bool permit_empty_passwords = false;
  std::vector<std::string> files;  // the files read, in order
};

// sshd semantics: the first value of a keyword wins; a Match block ends the global section.
// include(pattern) returns the texts of the files an Include names (path, text).
SshdSettings parse_sshd_config(
    std::string_view main_text,
    const std::function<std::vector<std::pair<std::string, std::string>>(std::string_view)>& include);

struct AuthEvent {
  int64_t at = 0;
  bool success = false;
  std::string user, ip, method;  // method: password, publickey, keyboard-interactive, invalid_user
  std::string line;              // printable
  std::string source;            // file path or "journal"
};

// One sshd message ("Failed password for root from 203.0.113.9 port 4242 ssh2").
std::optional<AuthEvent> parse_sshd_message(std::string_view message);
// A syslog line's time: RFC 3339 ("2026-11-23T12:00:01.5+00:00 host ...") or traditional
// ("Nov 23 12:00:01 host ...", the year taken from `year_hint`). Returns the time and the message
// after "sshd[PID]: " when the line is from sshd.
struct SyslogLine {
  int64_t at = 0;
  std::string_view program;
  std::string_view message;
};
std::optional<SyslogLine> parse_syslog_line(std::string_view line, int year_hint);

// Brute force: at least `threshold` failures from one address, then a success from it (critical for
// a password, else high), or failures alone (low).
std::vector<Finding> detect_bruteforce(const std::vector<AuthEvent>& events, size_t threshold);

std::vector<Finding> check_ssh_access(HuntContext& ctx);

}  // namespace unmine
