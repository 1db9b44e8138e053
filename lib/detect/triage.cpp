// validate's detection: reads the host once (processes, sockets, names, persistence, tuning) and runs
// each detector over it. Costly reads are kept to the processes that earn them: environ and command lines
// of everyone, but image hashes, configs, fds and CPU samples only of candidates.
#include "detect/triage.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <set>
#include <unordered_set>

#include "core/text.h"
#include "detect/detectors.h"
#include "detect/dormant.h"
#include "detect/miner_profile.h"
#include "persist/persistence.h"

namespace unmine {
namespace {

// The least time between the two CPU readings: enough ticks to tell a busy process from an idle one.
constexpr std::chrono::milliseconds kCpuSample{100};

bool connected(const SocketEntry& s) {
  return s.proto == "tcp" && (s.state == "ESTABLISHED" || s.state == "SYN_SENT" || s.state == "SYN_RECV");
}

// Pools a candidate's command line names, by address and port: another service on the pool's address (a
// shared host, loopback) is not the pool. Port 0: the command line gave none.
using PoolEnds = std::set<std::pair<std::string, uint16_t>>;
bool to_pool_end(const SocketEntry& s, const PoolEnds& ends) {
  return ends.contains({s.remote_addr, s.remote_port}) || ends.contains({s.remote_addr, 0});
}

// The owners of connections to a stratum port, a candidate's pool or a pool's pinned address, other than
// the candidates' own sockets; the owners are written on the scan's sockets so the network detector need
// not look again.
std::set<int> pool_socket_owners(SocketScan& scan, const SocketReader& reader, const Indicators& ind,
                                 const std::set<uint16_t>& listening_ports,
                                 const std::unordered_set<uint64_t>& candidate_inodes,
                                 const std::set<std::string>& pool_addrs, const PoolEnds& pool_ends) {
  std::vector<SocketEntry> wanted;
  for (auto& s : scan.sockets)
    if (connected(s) && !candidate_inodes.contains(s.inode) &&
        (to_stratum_port(s, ind, listening_ports) || pool_addrs.contains(s.remote_addr) || to_pool_end(s, pool_ends)))
      wanted.push_back(s);
  std::set<int> owners;
  if (wanted.empty()) return owners;
  reader.attach_owners(wanted);
  std::map<uint64_t, std::vector<int>> by_inode;
  for (auto& w : wanted) {
    by_inode[w.inode] = w.pids;
    owners.insert(w.pids.begin(), w.pids.end());
  }
  for (auto& s : scan.sockets)
    if (auto it = by_inode.find(s.inode); it != by_inode.end()) s.pids = it->second;
  return owners;
}

bool is_miner(const std::vector<Finding>& findings) {
  return std::any_of(findings.begin(), findings.end(),
                     [](auto& f) { return f.group == Group::miner && f.severity >= Severity::medium; });
}

}  // namespace

TriageResult run_triage(const HostRoot& host, const Playbook& playbook, const TriageOptions& options) {
  TriageResult r;
  auto ind_ptr = Indicators::of(playbook);
  const Indicators& ind = *ind_ptr;
  ProcReader reader(host);
  // Every process's environment and mount namespace (the signals below read them); its owner only once it
  // is a candidate.
  constexpr unsigned kFields = kProcEnviron | kProcMountNs | kProcNoOwner;
  std::vector<Process> procs;
  if (!host.has_proc()) {
    r.notes.push_back("no procfs at " + host.proc_path() + ": processes and sockets were not read");
  } else if (options.pids.empty()) {
    procs = reader.all(kFields);
  } else {
    for (int pid : options.pids) {
      if (auto p = reader.read(pid, kFields))
        procs.push_back(std::move(*p));
      else
        r.notes.push_back("pid " + std::to_string(pid) + ": no such process");
    }
  }
  // unmine itself (its own argv may name a pool the responder is looking for), and other unmine commands
  // running the same executable (a runbook's parallel steps): the playbook it carries holds miners' strings.
  const int self = host.proc_is_live() ? static_cast<int>(::getpid()) : -1;
  struct stat own {};
  bool own_known = host.proc_is_live() && ::stat("/proc/self/exe", &own) == 0;
  std::erase_if(procs, [&](auto& p) {
    return p.pid == self || (own_known && p.exe_ino != 0 && p.exe_dev == own.st_dev && p.exe_ino == own.st_ino);
  });
  std::map<int, const Process*> by_pid;
  for (auto& p : procs) by_pid[p.pid] = &p;

  // Miner signals of every process; candidates get the costly looks.
  std::map<int, ProcessSignals> signals;
  std::vector<int> cpu_pids;
  std::vector<const Process*> candidates;
  NearbyConfigs configs(host, ind);
  for (auto& p : procs) {
    auto s = detect_process(p, ind, &configs);
    if (s.cpu_candidate) cpu_pids.push_back(p.pid);
    if (s.profile) {
      reader.read_owner(p);
      candidates.push_back(&p);
    }
    if (!s.profile) p.environ = {};  // read for the check above; only candidates need it further
    if (s.profile || !s.findings.empty() || s.cpu_candidate) signals.emplace(p.pid, std::move(s));
  }
  CpuSampler sampler(reader, cpu_pids);

  auto dns = read_dns_state(host);
  for (auto& n : dns.notes) r.notes.push_back(n);
  for (auto& a : dns.hosts.anomalies) r.notes.push_back("/etc/hosts " + a);

  // Sockets worth keeping: the candidates' own (by inode), any to a stratum-only port, any to a pool a
  // candidate's command line names, any to an address the hosts file gives a pool. The rest of a busy host
  // is passed over.
  std::unordered_set<uint64_t> candidate_inodes;
  std::set<std::string> pool_addrs;
  PoolEnds pool_ends;
  for (auto* p : candidates) {
    for (auto& fd : reader.fds(p->pid))
      if (auto inode = socket_inode_of(fd.target)) candidate_inodes.insert(inode);
    for (auto& end : signals[p->pid].pools) pool_ends.insert(end);
  }
  for (auto& e : dns.hosts.entries)
    if (!e.sinkhole && !e.responder_block)
      for (auto& name : e.names)
        if (ind.is_pool_domain(name)) pool_addrs.insert(e.address);
  SocketReader sockets(host);
  std::set<uint16_t> listening_ports;
  if (host.has_proc()) {
    SocketQuery listeners;
    listeners.only_listening = true;
    auto scan = sockets.scan(listeners);
    for (auto& s : scan.sockets) listening_ports.insert(s.local_port);
    if (scan.not_kept) {
      r.complete = false;
      r.notes.push_back("sockets: listening ports: " + scan.anomalies.back());
    }
  }
  SocketQuery query;
  query.listening = false;  // pools are reached out to: listeners and unconnected UDP say nothing here
  query.time_wait = false;
  query.keep = [&](const SocketEntry& s) {
    return candidate_inodes.contains(s.inode) || to_stratum_port(s, ind, listening_ports) ||
           pool_addrs.contains(s.remote_addr) || to_pool_end(s, pool_ends);
  };
  auto scan = host.has_proc() ? sockets.scan(query) : SocketScan{{}, {}, "none"};
  for (auto& a : scan.anomalies) r.notes.push_back("sockets: " + a);
  if (!scan.complete()) r.complete = false;
  // Every process is a candidate: one that no other sign named but that talks to a stratum port or to a
  // pool's pinned address is profiled too (its owners are found once, here, and kept on the sockets).
  for (int pid : pool_socket_owners(scan, sockets, ind, listening_ports, candidate_inodes, pool_addrs, pool_ends))
    if (auto it = std::find_if(procs.begin(), procs.end(), [&](auto& p) { return p.pid == pid; });
        it != procs.end() && !signals[pid].profile) {
      reader.read_owner(*it);
      signals[pid].profile = true;
      candidates.push_back(&*it);
    }

  // Profiles: family, pools, config, connections, ancestry of each process that may be a miner.
  MinerProfiler profiler(host, ind);
  profiler.use_sockets(scan);
  for (auto* p : candidates) {
    auto& s = signals[p->pid];
    std::vector<Finding> found = s.findings;
    auto info = profiler.profile(*p, &found);
    if (is_miner(found)) {
      r.miners.push_back(std::move(info));
      s.strongest = Severity::high;
    }
    s.findings = std::move(found);
  }
  for (auto& n : profiler.notes()) r.notes.push_back(n);
  for (auto& [pid, s] : signals)
    for (auto& f : s.findings) r.findings.push_back(f);

  std::vector<int> candidate_pids;
  candidate_pids.reserve(candidates.size());
  for (auto* p : candidates) candidate_pids.push_back(p->pid);
  NetworkInput net{&r.miners, &scan, &dns, candidate_pids, listening_ports, !options.persistence};
  DetectorInput input{host, ind, r.miners, candidates, net, sockets, by_pid};
  std::vector<Finding> after_persistence;  // joins the result after persistence's findings
  for (auto& detector : host_detectors())
    for (auto& f : detector.run(input))
      (detector.slot == DetectorSlot::before_persistence ? r.findings : after_persistence).push_back(std::move(f));

  for (auto& m : r.miners) r.indicators.merge(m.indicators());
  // A preload line the persistence scan ties to the incident (an artifact unpersist will remove) is one
  // finding, that one; hiding still reports every other preload line.
  // A line not tied keeps the hiding finding alone (one line, one finding).
  std::set<std::pair<std::string, int>> preload_artifacts;
  const auto& hiding = after_persistence;  // its preload findings (hiding's) say a preload file's lines
  auto preload_line = [](const Finding& f) -> std::optional<std::pair<std::string, int>> {
    if (f.kind != "ld_preload" || !f.path || !f.line) return std::nullopt;
    return std::pair{*f.path, *f.line};
  };
  if (options.persistence) {
    // The window: --since, else the case's first sign, else the first miner seen running, else 30 days.
    auto sign = options.first_sign;
    for (auto& m : r.miners)
      if (m.proc.started_at > 0 && (!sign || m.proc.started_at < sign->first))
        sign = std::make_pair(m.proc.started_at, "miner pid " + std::to_string(m.proc.pid) + " started");
    r.window = persistence_window(options.since, sign, ::time(nullptr));
    // Another case's indicators (--iocs) tie entries too.
    auto tied_to = r.indicators;
    tied_to.merge(options.sweep);
    auto persistence = scan_persistence(host, playbook, tied_to, r.window);
    // Dormant miners: what the entries run or read, identified; what they tie to judges the entries again
    // (a cron line running a script that fetches the miner found on disk is then tied, not only new).
    auto dormant = identify_referenced_files(host, profiler, persistence.referenced_files);
    for (auto& n : dormant.notes) r.notes.push_back(n);
    if (!dormant.findings.empty()) {
      r.indicators.merge(dormant.indicators);
      tied_to.merge(dormant.indicators);
      persistence = scan_persistence(host, playbook, tied_to, r.window);
      for (auto& f : dormant.findings) r.findings.push_back(std::move(f));
    }
    r.inventory = persistence.inventory;
    for (auto& a : persistence.artifacts)
      if (a.tied && a.kind == "ld_preload" && a.line) preload_artifacts.insert({a.path, *a.line});
    // A preload file's "new in the window" finding (no line) is said already by hiding's findings on its lines.
    auto hiding_reports = [&](const Finding& f) {
      return f.kind == "ld_preload" && f.path && std::any_of(hiding.begin(), hiding.end(), [&](auto& h) {
               return h.kind == "ld_preload" && h.path == f.path && (!f.line || h.line == f.line);
             });
    };
    for (auto& f : persistence.findings) {
      auto line = preload_line(f);
      if (!hiding_reports(f) || (line && preload_artifacts.contains(*line))) r.findings.push_back(std::move(f));
    }
    // A file read only in part (a 2 GiB crontab) may hide lines past what was read: the responder hears it.
    for (auto& a : persistence.anomalies)
      r.notes.push_back(a.path + (a.line ? ":" + std::to_string(*a.line) : std::string()) + ": " + a.message);
  }
  for (auto& f : after_persistence)
    if (auto line = preload_line(f); !(line && preload_artifacts.contains(*line))) r.findings.push_back(std::move(f));

  for (auto& [pid, share] : sampler.finish(kCpuSample)) {
    auto it = signals.find(pid);
    bool others = it != signals.end() && it->second.strongest >= Severity::medium;
    if (auto f = detect_cpu(*by_pid[pid], share, others)) r.findings.push_back(std::move(*f));
  }

  r.findings = dedupe(std::move(r.findings));
  std::stable_sort(r.findings.begin(), r.findings.end(), [](auto& a, auto& b) { return a.severity > b.severity; });
  r.verdict = attack_chain_verdict(r.findings);
  std::vector<std::string> notes;  // the profiler and the scan above may say the same thing
  for (auto& n : r.notes)
    if (std::find(notes.begin(), notes.end(), n) == notes.end()) notes.push_back(std::move(n));
  r.notes = std::move(notes);
  if (scan.source == "procfs" && host.proc_is_live())
    r.notes.push_back("sockets were read from " + host.proc_path() + "/net: only this network namespace");
  return r;
}

}  // namespace unmine
