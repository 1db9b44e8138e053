#include "actions/host_needs.h"

#include <set>
#include <unordered_map>

#include "actions/kill_plan.h"
#include "core/text.h"
#include "host/dns.h"

namespace unmine {

std::optional<std::string> unit_of_cgroup(std::string_view cgroup) {
  // cgroup v2 holds one "0::/path" line; v1 one line a controller, "name=systemd" or any with a path.
  for (auto line : lines(cgroup)) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto path = line.substr(line.find(':', colon + 1) + 1);
    // The innermost service or socket: user@1000.service/app.slice/x.service gives x.service.
    std::optional<std::string> unit;
    for (size_t start = 0; start < path.size();) {
      auto end = path.find('/', start);
      if (end == std::string_view::npos) end = path.size();
      auto part = path.substr(start, end - start);
      if (part.ends_with(".service") || part.ends_with(".socket")) unit = std::string(part);
      start = end + 1;
    }
    if (unit) return unit;
  }
  return std::nullopt;
}

std::optional<std::string> needed_process(const Process& p) {
  if (p.kernel_thread) return std::nullopt;
  if (auto why = protected_reason(p, false)) {
    // Interactive shells are needed as the responder's session only (see host_needs), not as services.
    if (*why == "interactive shell" || *why == "login shell" || *why == "kernel thread") return std::nullopt;
    return why;
  }
  return std::nullopt;
}

namespace {

// A unit's file and what starts it: "getty@tty1.service" is the file "getty@.service"; a service's
// socket ("ssh.socket", "dbus.socket", "docker.socket") starts it again.
void add_unit(HostNeeds& out, const std::string& unit, const std::string& why) {
  out.units.emplace(unit, why);
  auto dot = unit.rfind('.');
  auto at = unit.find('@');
  if (at != std::string::npos && at < dot) out.units.emplace(unit.substr(0, at + 1) + unit.substr(dot), why);
  auto stem = unit.substr(0, at != std::string::npos && at < dot ? at : dot);
  if (unit.ends_with(".service")) out.units.emplace(stem + ".socket", why);
}

}  // namespace

HostNeeds host_needs(const std::vector<Process>& table, int self_pid, bool ssh_session,
                     const std::map<std::string, std::string>& own_paths) {
  HostNeeds out;
  out.own_paths = own_paths;
  std::unordered_map<int, const Process*> by_pid;
  for (auto& p : table) by_pid[p.pid] = &p;
  auto need = [&](const Process& p, const std::string& why) {
    auto label = why + " (PID " + std::to_string(p.pid) + ")";
    if (!p.exe.empty() && !p.exe_memfd && !p.exe_deleted) out.executables.emplace(p.exe, "the executable of " + label);
    if (auto unit = unit_of_cgroup(p.cgroup)) add_unit(out, *unit, "the unit of " + label);
  };
  for (auto& p : table)
    if (auto why = needed_process(p)) need(p, *why);
  std::set<int> seen;
  for (auto it = by_pid.find(self_pid); it != by_pid.end() && seen.insert(it->first).second;
       it = by_pid.find(it->second->ppid))
    if (it->first != self_pid) need(*it->second, "the responder's session: " + std::string(program_name(*it->second)));
  if (ssh_session)
    for (auto unit : {"ssh.service", "ssh.socket", "sshd.service", "sshd.socket"})
      out.units.emplace(unit, "sshd: the responder is logged in over SSH (SSH_CONNECTION)");
  return out;
}

std::map<std::string, std::string> addresses_needed(const HostRoot& host, const char* ssh_connection) {
  std::map<std::string, std::string> out;
  // "CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT"
  if (ssh_connection && host.is_live_root()) {
    auto w = words(ssh_connection);
    if (!w.empty() && is_ip_address(w[0])) out.emplace(std::string(w[0]), "the responder's SSH peer (SSH_CONNECTION)");
  }
  if (auto resolv = host.read("/etc/resolv.conf", 1 << 20))
    for (auto& ns : parse_resolv_conf(resolv->data).nameservers)
      if (is_ip_address(ns)) out.emplace(ns, "DNS resolver (/etc/resolv.conf)");
  return out;
}

}  // namespace unmine
