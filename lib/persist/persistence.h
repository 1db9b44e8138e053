#pragma once
// Persistence on the host: cron (every location), at jobs, systemd units/timers/drop-ins/generators,
// rc.local and init.d, ld.so.preload, authorized_keys, shell profiles (every home, listed in passwd or
// not), XDG autostart, udev rules, sysctl and modprobe files, accounts, /etc/hosts. Every entry gets one
// class: tied (to the incident, directly or through a script it runs, to depth 3), malicious (a known-bad
// pattern whatever it runs), new (changed in the compromise window) or known (counted, not listed). Tied
// and malicious entries are findings and artifacts: what unpersist neutralises and preserve copies.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "model/finding.h"
#include "model/incident.h"
#include "playbook/playbook.h"

namespace unmine {

// How unpersist neutralises an artifact: the smallest thing that stops it.
enum class Neutralise {
  line,  // remove this one line of the file (cron line, key, profile line, ld.so.preload entry, ...)
  file,  // remove the file, and the symlinks in `links` (at job, .desktop, drop-in, dropped script)
  unit,  // systemd unit: `systemctl disable --now` on a live systemd host, else remove file + links
};
std::string_view to_string(Neutralise n);

struct PersistenceArtifact {
  std::string kind;                 // contract finding kind: cron, at_job, systemd, rc_script, ld_preload, ssh_key,
                                    // shell_profile, xdg_autostart, sysctl.hugepages, udev, net.dns (hosts)
  std::string path;                 // inside the root, raw bytes
  std::optional<int> line;          // 1-based, when the artifact is one line of the file
  std::string text;                 // that line, or the unit's ExecStart=..., printable
  std::optional<std::string> unit;  // systemd unit name
  std::string user;                 // owner of the crontab / home
  std::string finding_id;           // the finding that reports it
  bool tied = false;                // tied to the incident: unpersist neutralises it

  Neutralise how = Neutralise::line;
  std::string raw_line;            // the line's exact bytes (how == line): checked again before removal
  std::vector<std::string> links;  // symlinks that enable it (wants/, rc?.d), removed with it
  bool user_unit = false;          // a systemd --user unit (always handled by files)
  std::string entry;               // ld.so.preload: the one library to drop from a line that lists several
};

// What a scanner could not parse or read fully: reported, never fatal.
struct PersistenceAnomaly {
  std::string path;  // printable
  std::optional<int> line;
  std::string message;
  nlohmann::json to_json() const;
};

// Entries changed from `start` on are new. basis: since (--since), incident (the case's first sign) or
// default (the last 30 days); `reason` says which, for the output.
struct PersistenceWindow {
  int64_t start = 0;
  std::string basis;
  std::string reason;
  nlohmann::json to_json() const;
};
inline constexpr int64_t kDefaultPersistenceWindow = int64_t{30} * 24 * 3600;
// From --since when given, else the earliest sign (unix seconds, what it was), else the last 30 days.
PersistenceWindow persistence_window(std::optional<int64_t> since,
                                     std::optional<std::pair<int64_t, std::string>> first_sign, int64_t now);

// Every entry of every location, by class. Known entries are only counted here.
struct PersistenceInventory {
  size_t files = 0;  // location files read
  size_t tied = 0, malicious = 0, new_entries = 0, known = 0;
  nlohmann::json to_json() const;
  // One line for the terminal: the counts and the window they were judged in.
  std::string describe(const PersistenceWindow& window) const;
};

struct PersistenceScan {
  std::vector<Finding> findings;
  std::vector<PersistenceArtifact> artifacts;
  std::vector<PersistenceAnomaly> anomalies;
  // Incident names and paths that tied nothing alone: names too common (the playbook's common_names.json)
  // or shipped by a package, and paths a package owns. Only a stronger indicator ties an entry naming them.
  std::vector<std::string> weak_indicators;
  PersistenceInventory inventory;
  PersistenceWindow window;
  // Files that tied, malicious or new entries run or read (executables, scripts, configs), in order: what
  // detection identifies as `identify --file` would, so a miner that is not running is still named.
  std::vector<std::string> referenced_files;
};

PersistenceScan scan_persistence(const HostRoot& host, const Playbook& playbook, const IncidentIndicators& incident,
                                 std::optional<PersistenceWindow> window = std::nullopt);

}  // namespace unmine
