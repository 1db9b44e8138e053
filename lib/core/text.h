#pragma once
// Attacker-controlled bytes (file names, cmdlines) made safe for terminals and JSON.
#include <string>
#include <string_view>
#include <vector>

namespace unmine {

// Valid UTF-8 passes through; invalid bytes, control characters and backslashes become \xNN / \n / \\ ,
// so the result is valid UTF-8 on one line and the original bytes can be read back from it.
std::string printable(std::string_view raw);
// For text that may already be printable() (a finding's summary, a path a detector escaped): escapes what
// printable escapes except backslashes, so printable text passes unchanged (never "\\x1b") and raw text
// still cannot reach the terminal raw.
std::string terminal_safe(std::string_view text);

// Splits on a separator byte, dropping one trailing empty field (as /proc/PID/cmdline ends with NUL).
std::vector<std::string> split_nul(std::string_view raw, char sep = '\0');

std::string_view trim(std::string_view s);
bool starts_with_icase(std::string_view s, std::string_view prefix);
std::string to_lower(std::string_view s);
// Lines of a text, each without its newline; \r before \n is dropped.
std::vector<std::string_view> lines(std::string_view text);
// The last component of a path ("/tmp/.x/kworkerd" -> "kworkerd"); the path itself when it has no '/'.
std::string_view base_name(std::string_view path);
// The folder of a path ("/tmp/.x/kworkerd" -> "/tmp/.x", "/x" -> "/", "x" -> ".").
std::string dir_name(std::string_view path);
// Arguments from `from` on, joined with single spaces (a command line to match or show; not quoting).
std::string joined(const std::vector<std::string>& argv, size_t from = 0);
// An IPv4 or IPv6 address as written (inet_pton accepts it).
bool is_ip_address(std::string_view text);
// An address that names one host on the internet: an IP address that is not loopback, unspecified,
// private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) or link-local (169.254/16, fe80::/10).
// Those others name a different machine on every network, so they never tie anything to an incident.
bool is_public_address(std::string_view text);
// Bytes that are not text to be read as lines: an ELF image, or a start (4 KiB) holding a NUL byte before its
// last line ends. NULs only after the lines are padding (a crontab with a hole of gigabytes after its lines:
// cron still runs them), and the file is read as lines.
bool is_binary_content(std::string_view data);
// Runs of bytes between spaces and tabs (the fields of /proc tables, hosts and resolv.conf lines).
std::vector<std::string_view> words(std::string_view line);

}  // namespace unmine
