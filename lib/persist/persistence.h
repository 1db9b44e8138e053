#pragma once
// Persistence on the host: cron (every location), at jobs, systemd units/timers/drop-ins/generators,
// rc.local and init.d, ld.so.preload, authorized_keys, shell profiles, XDG autostart, udev rules, sysctl
// files, /etc/hosts. Each artifact tied to the incident (or matching a download-and-run pattern) is a
// finding; the artifacts are what unpersist neutralises and preserve copies.
#include <optional>
#include <string>
#include <vector>

#include "detect/finding.h"
#include "detect/incident.h"
#include "host/host_root.h"
#include "playbook/playbook.h"

namespace unmine {

struct PersistenceArtifact {
  std::string kind;               // SPEC finding kind: cron, at_job, systemd, rc_script, ld_preload, ssh_key,
                                  // shell_profile, xdg_autostart, sysctl.hugepages, udev, hosts
  std::string path;               // inside the root
  std::optional<int> line;        // 1-based, when the artifact is one line of the file
  std::string text;               // that line, or the unit's ExecStart=..., printable
  std::optional<std::string> unit;  // systemd unit name
  std::string user;               // owner of the crontab / home
  std::string finding_id;         // the finding that reports it
  bool tied = false;              // references the incident (not only a generic pattern)
};

struct PersistenceScan {
  std::vector<Finding> findings;
  std::vector<PersistenceArtifact> artifacts;
};

PersistenceScan scan_persistence(const HostRoot& host, const Playbook& playbook, const IncidentIndicators& incident);

}  // namespace unmine
