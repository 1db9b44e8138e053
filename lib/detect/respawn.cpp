#include "detect/respawn.h"

#include <algorithm>
#include <array>
#include <map>
#include <thread>

#include "core/text.h"
#include "host/sockets.h"

namespace unmine {
namespace {

std::optional<std::string_view> scheduler_kind(std::string_view name) {
  static constexpr std::array<std::string_view, 4> cron = {"cron", "crond", "anacron", "fcron"};
  if (std::find(cron.begin(), cron.end(), name) != cron.end()) return "cron";
  if (name == "atd") return "at";
  return std::nullopt;
}

}  // namespace

void RespawnPattern::add(const Process& killed, const std::string& sha256) {
  if (!killed.exe.empty() && !killed.exe_memfd) exe_paths.insert(killed.exe);
  if (!sha256.empty()) sha256s.insert(sha256);
  if (killed.exe_ino) inodes.insert({static_cast<uint64_t>(killed.exe_dev), static_cast<uint64_t>(killed.exe_ino)});
  if (killed.cmdline.size() > 1) arguments.insert({killed.cmdline.begin() + 1, killed.cmdline.end()});
}

std::optional<RespawnMatch> match_respawn(const RespawnPattern& pattern, const Process& p,
                                          const std::function<std::string()>& sha256_of) {
  if (p.kernel_thread) return std::nullopt;
  if (p.exe_ino && pattern.inodes.contains({static_cast<uint64_t>(p.exe_dev), static_cast<uint64_t>(p.exe_ino)}))
    return RespawnMatch{"inode", "same executable inode as a killed process: " + printable(p.exe)};
  if (!p.exe.empty() && pattern.exe_paths.contains(p.exe))
    return RespawnMatch{"path", "same executable path: " + printable(p.exe)};
  if (p.cmdline.size() > 1 && pattern.arguments.contains({p.cmdline.begin() + 1, p.cmdline.end()}))
    return RespawnMatch{"cmdline", "same arguments as a killed process: " + printable(joined(p.cmdline, 1))};
  if (auto hit = pattern.incident.referenced_in(joined(p.cmdline));
      hit && (hit->type == "wallet" || hit->type == "domain" || hit->type == "ip" || hit->type == "sha256"))
    return RespawnMatch{"indicator", "command line names the miner's " + hit->type + " " + printable(hit->value)};
  if (!pattern.sha256s.empty()) {
    auto sha = sha256_of();
    if (!sha.empty() && pattern.sha256s.contains(sha))
      return RespawnMatch{"sha256", "same executable image, sha256 " + sha};
  }
  return std::nullopt;
}

nlohmann::json RespawnSource::to_json() const {
  nlohmann::json j = {{"kind", kind}, {"summary", printable(summary)}};
  if (pid) j["pid"] = *pid;
  if (exe) j["exe"] = printable(*exe);
  if (unit) j["unit"] = printable(*unit);
  if (path) j["path"] = printable(*path);
  if (line) j["line"] = *line;
  if (finding_id) j["finding_id"] = *finding_id;
  return j;
}

nlohmann::json Respawn::to_json() const {
  auto args = nlohmann::json::array();
  for (auto& a : proc.cmdline) args.push_back(printable(a));
  auto src = nlohmann::json::array();
  for (auto& s : sources) src.push_back(s.to_json());
  return {{"pid", proc.pid},
          {"ppid", proc.ppid},
          {"exe", printable(proc.exe)},
          {"cmdline", args},
          {"start_ticks", proc.start_ticks},
          {"matched", match.how},
          {"detail", match.detail},
          {"sources", src},
          {"source", sources.empty() ? nlohmann::json(nullptr) : nlohmann::json(printable(sources.front().summary))},
          {"finding_id", finding.id}};
}

std::optional<std::string> service_unit_from_cgroup(std::string_view cgroup_text) {
  std::optional<std::string> unit;
  for (auto line : lines(cgroup_text)) {
    // "0::/system.slice/xmr.service" (v2) or "1:name=systemd:/system.slice/xmr.service" (v1).
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    colon = line.find(':', colon + 1);
    if (colon == std::string_view::npos) continue;
    auto path = line.substr(colon + 1);
    // The deepest ".service" component: a service's own sub-cgroups sit below it.
    for (size_t end = path.size(); end > 0;) {
      auto start = path.rfind('/', end - 1);
      auto part = path.substr(start == std::string_view::npos ? 0 : start + 1,
                              end - (start == std::string_view::npos ? 0 : start + 1));
      if (part.ends_with(".service") && !part.starts_with("user@") && !part.starts_with("user-runtime-dir@")) {
        unit = std::string(part);
        break;
      }
      if (start == std::string_view::npos) break;
      end = start;
    }
    if (unit) return unit;
  }
  return std::nullopt;
}

std::vector<RespawnSource> respawn_sources(const Process& p, const std::vector<Process>& ancestors,
                                           const std::vector<PersistenceArtifact>& artifacts) {
  std::vector<RespawnSource> out;
  // A persistence entry naming the executable is the most specific answer: it is what unpersist removes.
  IncidentIndicators self;
  if (!p.exe.empty() && !p.exe_memfd) {
    self.paths.insert(p.exe);
    self.names.insert(std::string(base_name(p.exe)));
  }
  for (auto& a : artifacts) {
    if (!self.referenced_in(a.text)) continue;
    RespawnSource s{"persistence", {},     {},     {},
                    a.unit,        a.path, a.line, a.finding_id.empty() ? std::nullopt : std::optional(a.finding_id)};
    s.summary = a.kind + " " + (a.unit ? *a.unit : a.path + (a.line ? ":" + std::to_string(*a.line) : ""));
    out.push_back(std::move(s));
  }
  // A scheduler among the ancestors (cron -> sh -c -> miner): the job, not the transient shell, respawns it.
  for (auto& a : ancestors) {
    if (a.pid == 1) break;
    if (auto kind = scheduler_kind(program_name(a))) {
      out.push_back({std::string(*kind),
                     std::string(*kind) + " daemon PID " + std::to_string(a.pid) + " (" +
                         printable(a.exe.empty() ? a.comm : a.exe) + ")",
                     a.pid,
                     a.exe,
                     {},
                     {},
                     {},
                     {}});
      break;
    }
  }
  if (!ancestors.empty() && ancestors.front().pid != 1 && !scheduler_kind(program_name(ancestors.front()))) {
    auto& parent = ancestors.front();
    out.push_back({"parent",
                   "parent PID " + std::to_string(parent.pid) + " (" +
                       printable(parent.exe.empty() ? parent.comm : parent.exe) + ")",
                   parent.pid,
                   parent.exe,
                   {},
                   {},
                   {},
                   {}});
  }
  if (auto unit = service_unit_from_cgroup(p.cgroup))
    out.push_back({"systemd", "systemd unit " + printable(*unit), {}, {}, *unit, {}, {}, {}});
  return out;
}

Finding respawn_finding(const Process& p, const RespawnMatch& match, const std::vector<RespawnSource>& sources) {
  std::string source = sources.empty() ? "no source found" : sources.front().summary;
  // The id names the executable and the kind of source, not pids: the same respawner gives the same id.
  std::string key =
      p.exe + "|" +
      (sources.empty()
           ? ""
           : sources.front().kind + "|" +
                 sources.front().exe.value_or(sources.front().unit.value_or(sources.front().path.value_or(""))));
  auto f = make_finding(
      Group::miner, "process.respawn", Severity::high,
      "miner respawned as PID " + std::to_string(p.pid) + " (" + printable(p.exe) + "); source: " + printable(source),
      key);
  f.pid = p.pid;
  if (!p.exe.empty()) f.path = printable(p.exe);
  auto src = nlohmann::json::array();
  for (auto& s : sources) src.push_back(s.to_json());
  f.evidence = {{"matched", match.how}, {"detail", match.detail}, {"sources", src}};
  return f;
}

std::vector<Respawn> watch_respawns(const ProcessSource& procs, const RespawnPattern& pattern,
                                    const std::set<std::pair<int, uint64_t>>& baseline,
                                    const std::function<std::vector<PersistenceArtifact>()>& persistence,
                                    const std::function<std::vector<std::pair<int, std::string>>()>& pool_connections,
                                    const RespawnWatchOptions& options) {
  std::vector<Respawn> out;
  std::set<std::pair<int, uint64_t>> checked = baseline, reported;
  std::set<int> reported_pids;
  std::optional<std::vector<PersistenceArtifact>> artifacts;
  auto report = [&](const Process& p, RespawnMatch m) {
    std::vector<Process> ancestors;
    std::set<int> walked;
    for (auto a = procs.read(p.ppid); a && a->pid > 0 && walked.insert(a->pid).second && ancestors.size() < 16;
         a = procs.read(a->ppid)) {
      ancestors.push_back(*a);
      if (a->pid == 1) break;
    }
    if (!artifacts) artifacts = persistence ? persistence() : std::vector<PersistenceArtifact>{};
    auto sources = respawn_sources(p, ancestors, *artifacts);
    auto f = respawn_finding(p, m, sources);
    reported.insert({p.pid, p.start_ticks});
    reported_pids.insert(p.pid);
    out.push_back({p, std::move(m), std::move(sources), std::move(f)});
  };
  auto deadline = std::chrono::steady_clock::now() + options.duration;
  for (;;) {
    std::map<int, Process> fresh;
    for (auto& p : procs.all())
      if (!checked.contains({p.pid, p.start_ticks})) fresh.emplace(p.pid, p);
    for (auto& [pid, p] : fresh) {
      checked.insert({p.pid, p.start_ticks});
      // The workers a respawned miner forks are part of that respawn, not respawns of their own.
      if (reported_pids.contains(p.ppid)) {
        reported_pids.insert(p.pid);
        continue;
      }
      if (auto m = match_respawn(pattern, p, [&procs, pid = p.pid] { return procs.exe_sha256(pid); }))
        report(p, std::move(*m));
    }
    // A respawn under another name and path still connects to the pool.
    if (pool_connections && (!pattern.incident.ips.empty() || !pattern.incident.domains.empty())) {
      for (auto& [pid, remote] : pool_connections()) {
        auto p = procs.read(pid);
        if (!p || baseline.contains({p->pid, p->start_ticks}) || reported.contains({p->pid, p->start_ticks})) continue;
        report(*p, {"connection", "connected to the pool at " + printable(remote)});
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(options.interval);
  }
  return out;
}

}  // namespace unmine

namespace unmine {

std::vector<std::pair<int, std::string>> pool_connections(const HostRoot& host, const IncidentIndicators& incident) {
  if (incident.ips.empty()) return {};
  SocketReader reader(host);
  SocketQuery query;
  query.keep = [&](const SocketEntry& s) { return incident.ips.contains(s.remote_addr); };
  auto wanted = reader.scan(query).sockets;
  if (wanted.empty()) return {};
  reader.attach_owners(wanted);
  std::vector<std::pair<int, std::string>> out;
  for (auto& s : wanted) {
    auto remote = (s.remote_addr.find(':') != std::string::npos ? "[" + s.remote_addr + "]" : s.remote_addr) + ":" +
                  std::to_string(s.remote_port);
    for (int pid : s.pids) out.emplace_back(pid, remote);
  }
  return out;
}

}  // namespace unmine
