#pragma once
// The systemd journal of the inspected host, read with the system's own /usr/bin/journalctl
// (--directory, JSON output) through the read-only tool runner: persistent journals under
// ROOT/var/log/journal (offline files of a disk image too) and the volatile ROOT/run/log/journal.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hunt/hunt_context.h"

namespace unmine {

struct JournalEntry {
  int64_t at = 0;  // unix seconds
  std::string identifier;
  std::string message;  // raw
};

// One line of `journalctl -o json`; nullopt when malformed.
std::optional<JournalEntry> parse_journal_json(std::string_view line);

// Entries matching every `match` ("SYSLOG_IDENTIFIER=sshd"); alternatives are separate calls.
// Notes why nothing was read (no journalctl, no journal).
std::vector<JournalEntry> read_journal(HuntContext& ctx, const std::vector<std::string>& match,
                                       size_t max_entries = 200000);

}  // namespace unmine
