#include "actions/kill_plan.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <deque>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/text.h"

namespace unmine {
namespace {

// Installed by the distribution (or a snap): a name there is what it says. The same name under /tmp is not.
bool in_system_dir(std::string_view exe) {
  static constexpr std::array<std::string_view, 6> dirs = {"/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/snap/"};
  return std::any_of(dirs.begin(), dirs.end(), [&](auto d) { return exe.starts_with(d); });
}

// The world-writable folder a path lies in ("/tmp", "/var/tmp", "/dev/shm"), where droppers put loaders.
std::optional<std::string_view> temp_dir_of(std::string_view path) {
  static constexpr std::array<std::string_view, 3> dirs = {"/tmp", "/var/tmp", "/dev/shm"};
  for (auto d : dirs)
    if (path.starts_with(d) && path.size() > d.size() && path[d.size()] == '/') return d;
  return std::nullopt;
}

template <size_t N>
bool one_of(std::string_view name, const std::array<std::string_view, N>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

constexpr std::array<std::string_view, 11> kShells = {"sh",  "bash", "dash", "zsh", "ksh",    "mksh",
                                                      "ash", "fish", "tcsh", "csh", "busybox"};

bool is_shell(std::string_view name) { return one_of(name, kShells); }

bool is_interpreter(std::string_view name) {
  static constexpr std::array<std::string_view, 6> prefixes = {"python", "perl", "ruby", "php", "lua", "node"};
  return is_shell(name) || name == "tclsh" ||
         std::any_of(prefixes.begin(), prefixes.end(), [&](auto p) { return name.starts_with(p); });
}

// "-c TEXT" (or a combined "-ec") for shells, "-c"/"-e"/"-m" for other interpreters: no script file.
bool runs_inline_text(const Process& p) {
  bool shell = is_shell(program_name(p));
  for (size_t i = 1; i < p.cmdline.size(); ++i) {
    std::string_view a = p.cmdline[i];
    if (a == "--" || a.empty() || a[0] != '-') return false;
    if (a.starts_with("--")) continue;
    if (shell ? a.find('c') != std::string_view::npos : (a == "-c" || a == "-e" || a == "-m" || a == "-E")) return true;
  }
  return false;
}

// An executable other processes legitimately share (an interpreter, a distribution binary): the
// same-inode rule would reach every python3 on the host.
bool shared_executable(const Process& p) {
  return is_interpreter(program_name(p)) || (in_system_dir(p.exe) && !p.exe_deleted && !p.exe_memfd);
}

class Planner {
 public:
  explicit Planner(const KillPlanInput& in) : in_(in) {
    for (auto& p : in_.table) {
      by_pid_[p.pid] = &p;
      children_[p.ppid].push_back(p.pid);
    }
    // unmine and the chain that started it (the responder's shell, sshd, ...) are never touched.
    for (const Process* p = get(in_.self_pid); p && !self_chain_.contains(p->pid); p = get(p->ppid))
      self_chain_.insert(p->pid);
  }

  KillPlan run() {
    for (auto& seed : in_.seeds) plan_seed(seed);
    std::vector<int> roots;
    for (auto& [pid, e] : members_) roots.push_back(pid);
    for (int pid : roots) add_ancestors(pid);
    add_descendants();
    finish_order();
    for (auto& [pid, x] : excluded_)
      if (!members_.contains(pid)) plan_.excluded.push_back(x);
    return std::move(plan_);
  }

 private:
  const KillPlanInput& in_;
  std::unordered_map<int, const Process*> by_pid_;
  std::unordered_map<int, std::vector<int>> children_;
  std::set<int> self_chain_;
  std::map<int, KillPlanEntry> members_;
  std::map<int, KillExclusion> excluded_;
  KillPlan plan_;

  const Process* get(int pid) const {
    auto it = by_pid_.find(pid);
    return it == by_pid_.end() ? nullptr : it->second;
  }

  bool descends_from(const Process& p, int ancestor) const {
    std::set<int> seen;
    for (const Process* a = get(p.ppid); a && seen.insert(a->pid).second; a = get(a->ppid))
      if (a->pid == ancestor) return true;
    return false;
  }

  std::optional<std::string> guard(const Process& p, bool as_descendant) const {
    if (p.pid == 1) return protected_reason(p, as_descendant);
    if (p.pid == in_.self_pid && in_.self_pid != 0) return "unmine itself";
    if (self_chain_.contains(p.pid)) return "an ancestor of this unmine (the responder's session)";
    return protected_reason(p, as_descendant);
  }

  void exclude(const Process& p, std::string why) {
    excluded_.try_emplace(p.pid, KillExclusion{p.pid, p.exe, p.comm, std::move(why)});
  }

  void add(const Process& p, KillRole role, std::string reason, int tree) {
    members_.try_emplace(p.pid, KillPlanEntry{KillTarget::of(p), role, std::move(reason), tree, 0});
  }

  void plan_seed(const KillSeed& seed) {
    const Process* p = get(seed.pid);
    if (!p) {
      plan_.notes.push_back("PID " + std::to_string(seed.pid) + " is not running");
      return;
    }
    if (auto why = guard(*p, false)) {
      exclude(*p, "asked for, but never killed: " + *why);
      return;
    }
    add(*p, KillRole::miner, seed.reason, p->pid);
    if (p->exe_ino == 0) return;
    if (shared_executable(*p)) {
      plan_.notes.push_back("PID " + std::to_string(p->pid) + ": " + printable(p->exe) +
                            " is a shared executable, so other processes running it are not included");
      return;
    }
    for (auto& q : in_.table) {
      if (q.pid == p->pid || q.exe_ino != p->exe_ino || q.exe_dev != p->exe_dev) continue;
      if (descends_from(q, p->pid)) continue;  // its own worker: planned as a descendant, which says more
      if (auto why = guard(q, true))
        exclude(q, *why);
      else
        add(q, KillRole::same_inode, "same executable inode as PID " + std::to_string(p->pid), p->pid);
    }
  }

  // Why an ancestor belongs to the attack (a loader, a watchdog, a script about the miner), or nullopt.
  std::optional<std::string> tied_reason(const Process& a, const KillPlanEntry& below) const {
    std::string name = printable(program_name(a));
    if (a.exe_memfd) return "ancestor: " + name + " running from a memfd";
    if (a.exe_deleted) return "ancestor: " + name + " running from a deleted file";
    if (auto dir = temp_dir_of(a.exe)) return "ancestor: " + name + " from " + std::string(*dir);
    if (a.exe_ino != 0) {
      const Process* m = get(below.tree);
      if (m && m->exe_ino == a.exe_ino && m->exe_dev == a.exe_dev && !shared_executable(a))
        return "ancestor: same executable as PID " + std::to_string(m->pid);
    }
    auto script = script_path(a);
    if (script) {
      if (auto dir = temp_dir_of(*script))
        return "ancestor: script " + printable(*script) + " from " + std::string(*dir);
    }
    if (auto hit = in_.incident.referenced_in(joined(a.cmdline)))
      return "ancestor: " + name + " (command line names the miner's " + hit->type + " " + printable(hit->value) + ")";
    if (auto text = in_.scripts.find(a.pid); text != in_.scripts.end()) {
      if (auto hit = in_.incident.referenced_in(text->second))
        return "ancestor: script " + printable(script.value_or("?")) + " names the miner's " + hit->type + " " +
               printable(hit->value);
    }
    return std::nullopt;
  }

  void add_ancestors(int pid) {
    const KillPlanEntry start = members_.at(pid);
    const Process* child = get(pid);
    while (child) {
      const Process* a = get(child->ppid);
      if (!a || a->pid == 0 || members_.contains(a->pid)) return;
      if (auto why = guard(*a, false)) return exclude(*a, "ancestor, never killed: " + *why);
      auto tied = tied_reason(*a, start);
      if (!tied) return exclude(*a, "ancestor not tied to the attack: left running");
      add(*a, KillRole::ancestor, *tied, start.tree);
      child = a;
    }
  }

  void add_descendants() {
    std::deque<int> todo;
    for (auto& [pid, e] : members_) todo.push_back(pid);
    while (!todo.empty()) {
      int parent = todo.front();
      todo.pop_front();
      auto it = children_.find(parent);
      if (it == children_.end()) continue;
      int tree = members_.at(parent).tree;
      for (int c : it->second) {
        if (members_.contains(c) || c == parent) continue;
        const Process& p = *get(c);
        if (auto why = guard(p, true)) {
          exclude(p, "descendant of PID " + std::to_string(parent) + ", never killed: " + *why);
          continue;
        }
        add(p, KillRole::descendant, "descendant of PID " + std::to_string(parent), tree);
        todo.push_back(c);
      }
    }
  }

  // Parents first: a stopped parent cannot fork or restart a child while the rest is being stopped.
  void finish_order() {
    for (auto& [pid, e] : members_) {
      int depth = 0;
      std::set<int> seen{pid};
      for (const Process* p = get(get(pid)->ppid); p && members_.contains(p->pid) && seen.insert(p->pid).second;
           p = get(p->ppid))
        ++depth;
      e.depth = depth;
      plan_.members.push_back(e);
    }
    std::stable_sort(plan_.members.begin(), plan_.members.end(), [](auto& a, auto& b) {
      return std::tie(a.depth, a.target.pid) < std::tie(b.depth, b.target.pid);
    });
  }
};

}  // namespace

std::string_view to_string(KillRole r) {
  switch (r) {
    case KillRole::miner: return "miner";
    case KillRole::same_inode: return "same_inode";
    case KillRole::ancestor: return "ancestor";
    case KillRole::descendant: return "descendant";
  }
  return "miner";
}

KillTarget KillTarget::of(const Process& p) {
  return {p.pid,
          p.ppid,
          p.exe,
          p.cmdline,
          p.start_ticks,
          p.user,
          p.comm,
          static_cast<uint64_t>(p.exe_dev),
          static_cast<uint64_t>(p.exe_ino)};
}

nlohmann::json KillTarget::to_json() const {
  auto args = nlohmann::json::array();
  for (auto& a : cmdline) args.push_back(printable(a));
  return {{"pid", pid},
          {"ppid", ppid},
          {"exe", printable(exe)},
          {"cmdline", args},
          {"start_ticks", start_ticks},
          {"user", printable(user)},
          {"comm", printable(comm)}};
}

nlohmann::json KillPlanEntry::to_json() const {
  return {{"kind", "kill"},
          {"target", target.to_json()},
          {"role", to_string(role)},
          {"reason", printable(reason)},
          {"tree", tree}};
}

nlohmann::json KillExclusion::to_json() const {
  return {{"pid", pid}, {"exe", printable(exe)}, {"comm", printable(comm)}, {"why", printable(why)}};
}

const KillPlanEntry* KillPlan::find(int pid) const {
  for (auto& m : members)
    if (m.target.pid == pid) return &m;
  return nullptr;
}

std::optional<std::string> protected_reason(const Process& p, bool as_descendant) {
  if (p.pid == 1) return std::string("PID 1 (service manager)");
  if (p.kernel_thread || p.pid == 2) return std::string("kernel thread");
  const std::string name(program_name(p));
  // A protected name only counts from a system folder: a miner calling itself /tmp/sshd is not sshd.
  if (!p.exe.empty() && (!in_system_dir(p.exe) || p.exe_memfd)) return std::nullopt;
  static constexpr std::array<std::string_view, 6> managers = {"systemd", "init",      "upstart",
                                                               "runit",   "s6-svscan", "openrc-init"};
  static constexpr std::array<std::string_view, 8> runtimes = {"containerd", "dockerd", "runc",   "crun",
                                                               "conmon",     "crio",    "podman", "docker-proxy"};
  static constexpr std::array<std::string_view, 5> schedulers = {"cron", "crond", "atd", "anacron", "fcron"};
  static constexpr std::array<std::string_view, 8> sessions = {"login", "agetty", "getty", "mingetty",
                                                               "su",    "sudo",   "tmux",  "screen"};
  static constexpr std::array<std::string_view, 3> buses = {"dbus-daemon", "dbus-broker", "dbus-broker-launch"};
  if (one_of(name, managers)) return "service manager (" + name + ")";
  if (name == "sshd" || name.starts_with("sshd-") || p.comm == "sshd") return std::string("sshd");
  if (one_of(name, buses)) return "message bus (" + name + ")";
  if (name.starts_with("systemd-")) return "systemd service (" + name + ")";
  if (one_of(name, runtimes) || name.starts_with("containerd-shim")) return "container runtime (" + name + ")";
  if (one_of(name, schedulers))
    return "job scheduler (" + name + "): its entry is removed with unpersist, not by killing it";
  if (one_of(name, sessions)) return "session manager (" + name + ")";
  if (!as_descendant && is_shell(name)) {
    bool login = !p.cmdline.empty() && p.cmdline[0].starts_with("-");
    for (size_t i = 1; i < p.cmdline.size() && !login; ++i) login = p.cmdline[i] == "-l" || p.cmdline[i] == "--login";
    if (login) return std::string("login shell");
    if (!runs_inline_text(p) && !script_path(p)) return std::string("interactive shell");
  }
  return std::nullopt;
}

std::optional<std::string> script_path(const Process& p) {
  if (!is_interpreter(program_name(p)) || runs_inline_text(p)) return std::nullopt;
  size_t i = 1;
  // busybox runs as "sh SCRIPT" through its applet name; "busybox sh SCRIPT" names the applet first.
  if (program_name(p) == "busybox" && p.cmdline.size() > 1 && !p.cmdline[1].starts_with("-") &&
      base_name(p.cmdline[0]) == "busybox")
    ++i;
  for (; i < p.cmdline.size(); ++i) {
    const std::string& a = p.cmdline[i];
    if (a == "--") continue;
    if (a.empty() || a[0] == '-') continue;
    if (a[0] == '/') return a;
    if (p.cwd.empty()) return std::nullopt;
    return p.cwd + (p.cwd.ends_with('/') ? "" : "/") + a;
  }
  return std::nullopt;
}

KillPlan plan_kill(const KillPlanInput& input) { return Planner(input).run(); }

KillPlan plan_kill_live(const HostRoot& host, const std::vector<KillSeed>& seeds, const IncidentIndicators& incident) {
  KillPlanInput in;
  ProcReader reader(host);
  in.table = reader.all();
  in.seeds = seeds;
  in.incident = incident;
  in.self_pid = host.proc_is_live() ? static_cast<int>(::getpid()) : 0;
  // The scripts the seeds' ancestors run: a loader script that names the miner ties its interpreter.
  std::unordered_map<int, const Process*> by_pid;
  for (auto& p : in.table) by_pid[p.pid] = &p;
  constexpr size_t kScriptMax = 1u << 20;
  for (auto& seed : seeds) {
    std::set<int> seen;
    for (auto it = by_pid.find(seed.pid); it != by_pid.end() && seen.insert(it->first).second;
         it = by_pid.find(it->second->ppid)) {
      if (auto path = script_path(*it->second))
        if (auto text = host.read(*path, kScriptMax)) in.scripts[it->first] = std::move(text->data);
    }
  }
  return plan_kill(in);
}

}  // namespace unmine
