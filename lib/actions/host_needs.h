#pragma once
// What the running host needs and no destructive action may take away, whatever a plan says: the units,
// sockets and executables of PID 1, sshd, the message bus, the container runtimes and the session that
// started unmine (the responder's way in), and unmine's own files. Read from the live process table.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"
#include "host/process.h"

namespace unmine {

struct HostNeeds {
  std::map<std::string, std::string> units;        // unit file name ("ssh.service") -> why
  std::map<std::string, std::string> executables;  // path inside the root -> why
  std::map<std::string, std::string> own_paths;    // unmine's executable and case folder (analyst's paths) -> why
};

// The unit a process runs in, from /proc/PID/cgroup ("0::/system.slice/ssh.service" -> "ssh.service");
// nullopt for scopes, slices and processes outside systemd.
std::optional<std::string> unit_of_cgroup(std::string_view cgroup);

// Why a process is one the host needs (PID 1, sshd, dbus, a container runtime, a service manager, a
// session manager, a systemd daemon), from a system folder only; nullopt otherwise.
std::optional<std::string> needed_process(const Process& p);

// From a process table (with cgroups): the needed processes and every ancestor of `self_pid` (the
// responder's shell, sudo, sshd session). `ssh_session`: unmine runs over SSH (SSH_CONNECTION is set), so
// sshd's units stay even when its process is not in the table. `own_paths`: unmine's executable and case.
HostNeeds host_needs(const std::vector<Process>& table, int self_pid, bool ssh_session,
                     const std::map<std::string, std::string>& own_paths);

// Addresses block never drops -> why: the responder's SSH peer (SSH_CONNECTION, live root only) and the
// name servers of the root's /etc/resolv.conf.
std::map<std::string, std::string> addresses_needed(const HostRoot& host, const char* ssh_connection);

}  // namespace unmine
