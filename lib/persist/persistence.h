#pragma once
// Persistence on the host: cron (every location), at jobs, systemd units/timers/drop-ins/generators,
// rc.local and init.d, ld.so.preload, authorized_keys, shell profiles, XDG autostart, udev rules, sysctl
// files, /etc/hosts. Each artifact tied to the incident (or matching a download-and-run pattern) is a
// finding; the artifacts are what unpersist neutralises and preserve copies.
#include <optional>
#include <string>
#include <vector>

#include "model/finding.h"
#include "model/incident.h"
#include "host/host_root.h"
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
  std::string kind;               // contract finding kind: cron, at_job, systemd, rc_script, ld_preload, ssh_key,
                                  // shell_profile, xdg_autostart, sysctl.hugepages, udev, net.dns (hosts)
  std::string path;               // inside the root, raw bytes
  std::optional<int> line;        // 1-based, when the artifact is one line of the file
  std::string text;               // that line, or the unit's ExecStart=..., printable
  std::optional<std::string> unit;  // systemd unit name
  std::string user;               // owner of the crontab / home
  std::string finding_id;         // the finding that reports it
  bool tied = false;              // tied to the incident: unpersist neutralises it

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

struct PersistenceScan {
  std::vector<Finding> findings;
  std::vector<PersistenceArtifact> artifacts;
  std::vector<PersistenceAnomaly> anomalies;
  // Incident names and paths that tied nothing alone: names too common (the playbook's common_names.json)
  // or shipped by a package, and paths a package owns. Only a stronger indicator ties an entry naming them.
  std::vector<std::string> weak_indicators;
};

PersistenceScan scan_persistence(const HostRoot& host, const Playbook& playbook, const IncidentIndicators& incident);

}  // namespace unmine
