#include "detect/ioc_sweep.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/hashing.h"
#include "core/text.h"
#include "host/process.h"
#include "host/sockets.h"

namespace unmine {
namespace {

// Where dropped miners and their configs sit; the IoCs' own folders are added to these.
constexpr std::string_view kDropDirs[] = {"/tmp",
                                          "/var/tmp",
                                          "/dev/shm",
                                          "/usr/local/bin",
                                          "/usr/local/sbin",
                                          "/opt",
                                          "/root",
                                          "/home",
                                          "/etc/crontab",
                                          "/etc/cron.d",
                                          "/etc/cron.hourly",
                                          "/etc/cron.daily",
                                          "/var/spool/cron",
                                          "/etc/systemd/system",
                                          "/etc/rc.local",
                                          "/etc/profile.d"};
constexpr int kMaxDepth = 4;
constexpr size_t kMaxFiles = 20000;
constexpr size_t kMaxHashed = 64u << 20;  // bigger files are not miners; their hash is not compared
constexpr size_t kMaxText = 1u << 20;     // configs are small

bool is_persistence_file(std::string_view path) {
  for (std::string_view p : {"/etc/cron", "/var/spool/cron", "/etc/systemd/", "/etc/rc.local", "/etc/profile.d/"})
    if (path.starts_with(p)) return true;
  return false;
}

nlohmann::json ioc_json(const Ioc& i, const IocSet& s) {
  return {{"type", i.type}, {"value", printable(i.value)}, {"case", s.case_uuid}, {"host", printable(s.host)}};
}

Finding match(Group g, const std::string& kind, const Ioc& ioc, const IocSet& s, const std::string& what,
              const std::string& key) {
  auto f =
      make_finding(g, kind, Severity::high,
                   "matches the " + ioc.type + " IoC " + printable(ioc.value) + " of case " + s.case_uuid.substr(0, 8) +
                       (s.host.empty() ? "" : " (" + printable(s.host) + ")") + ": " + what,
                   "ioc\n" + ioc.type + "\n" + ioc.value + "\n" + key);
  f.evidence = {{"ioc", ioc_json(ioc, s)}, {"rule", "ioc." + ioc.type}};
  return f;
}

// The first wallet, pool host or address the text names.
const Ioc* referenced(const IocSet& s, std::string_view text) {
  IncidentIndicators only;
  for (auto& i : s.iocs)
    if (i.type == "wallet")
      only.wallets.insert(i.value);
    else if (i.type == "domain")
      only.domains.insert(i.value);
    else if (i.type == "ipv4" || i.type == "ipv6")
      only.ips.insert(i.value);
  auto hit = only.referenced_in(text);
  return hit ? s.find(hit->type, hit->value) : nullptr;
}

class Sweeper {
 public:
  Sweeper(const HostRoot& host, const IocSet& iocs, const std::vector<std::string>& skip)
      : host_(host),
        iocs_(iocs),
        skip_(skip),
        hashes_(iocs.values("sha256")),
        paths_(iocs.values("path")),
        lines_(iocs.values("persistence_line")) {}

  void processes() {
    if (!host_.has_proc()) return;
    ProcReader reader(host_);
    for (auto& p : reader.all()) {
      if (p.kernel_thread) continue;
      std::string cmd = joined(p.cmdline);
      auto key = p.exe + "\n" + cmd;
      auto where = "process " + std::to_string(p.pid) + " " + printable(p.exe.empty() ? p.comm : p.exe);
      auto add = [&](Group g, const std::string& kind, const Ioc& ioc) {
        auto f = match(g, kind, ioc, iocs_, where, key);
        f.pid = p.pid;
        f.evidence["cmdline"] = printable(cmd.substr(0, 4096));
        f.evidence["exe"] = printable(p.exe);
        out_.findings.push_back(std::move(f));
      };
      if (auto* i = referenced(iocs_, cmd)) add(Group::miner, "process.cmdline", *i);
      if (auto* i = paths_.contains(p.exe) ? iocs_.find("path", p.exe) : nullptr) add(Group::miner, "process.name", *i);
      if (!hashes_.empty() && !p.exe_memfd) {
        auto exe = host_.read_proc(std::to_string(p.pid) + "/exe", kMaxHashed);
        if (exe && !exe->truncated)
          if (auto* i = iocs_.find("sha256", sha256_hex(exe->data))) add(Group::miner, "file.miner_binary", *i);
      }
    }
  }

  void connections() {
    if (!host_.has_proc()) return;
    auto ips = iocs_.values("ipv4");
    for (auto& v6 : iocs_.values("ipv6")) ips.insert(v6);
    if (ips.empty()) return;
    SocketQuery q;
    q.listening = false;
    q.keep = [&](const SocketEntry& s) { return ips.contains(s.remote_addr); };
    SocketReader reader(host_);
    auto scan = reader.scan(q);
    if (!scan.complete()) {
      for (auto& a : scan.anomalies) out_.notes.push_back("IoC sweep: sockets: " + a);
      out_.complete = false;
    }
    reader.attach_owners(scan.sockets);
    for (auto& s : scan.sockets) {
      auto* i = iocs_.find("ip", s.remote_addr);
      if (!i) continue;
      auto peer = s.remote_addr + ":" + std::to_string(s.remote_port);
      auto f = match(Group::pool, "net.connection", *i, iocs_,
                     s.proto + " connection to " + peer + " (" + s.state + ")", s.proto + "\n" + peer);
      if (!s.pids.empty()) f.pid = s.pids.front();
      f.evidence["remote"] = peer;
      out_.findings.push_back(std::move(f));
    }
  }

  void files() {
    std::vector<std::string> dirs(std::begin(kDropDirs), std::end(kDropDirs));
    for (auto& d : iocs_.values("dir")) dirs.push_back(d);
    for (auto& p : paths_) {
      auto slash = p.rfind('/');
      if (slash != std::string::npos && slash > 0) dirs.push_back(p.substr(0, slash));
    }
    for (auto& d : dirs) {
      auto st = host_.lstat(d);
      if (st && S_ISREG(st->st_mode))
        look_at(d);
      else
        walk(d, 0);
    }
    for (auto& p : paths_) look_at(p);
  }

  void keys() {
    auto prints = iocs_.values("ssh_key");
    if (prints.empty()) return;
    std::vector<std::string> files = {"/root/.ssh/authorized_keys", "/root/.ssh/authorized_keys2"};
    for (auto& h : host_.list("/home"))
      for (const char* f : {"/.ssh/authorized_keys", "/.ssh/authorized_keys2"}) files.push_back("/home/" + h.name + f);
    for (auto& path : files) {
      auto c = host_.read(path, kMaxText);
      if (!c) continue;
      int n = 0;
      for (auto line : lines(c->data)) {
        ++n;
        auto fp = ssh_key_fingerprint(line);
        auto* i = fp ? iocs_.find("ssh_key", *fp) : nullptr;
        if (!i) continue;
        auto f = match(Group::persistence, "ssh_key", *i, iocs_,
                       "authorized key in " + printable(path) + ":" + std::to_string(n), path + "\n" + *fp);
        f.path = printable(path);
        f.line = n;
        f.evidence["text"] = printable(line.substr(0, 4096));
        out_.findings.push_back(std::move(f));
      }
    }
  }

  IocSweep done() { return std::move(out_); }

 private:
  void walk(const std::string& dir, int depth) {
    if (depth > kMaxDepth || full() || skipped(dir)) return;
    bool more = false;
    auto entries = host_.list(dir, kMaxFiles, &more);
    if (more) {
      out_.notes.push_back("IoC sweep: " + printable(dir) + " holds more than " + std::to_string(kMaxFiles) +
                           " entries: the rest were not looked at");
      out_.complete = false;
    }
    for (auto& e : entries) {
      if (full()) return limit_reached();
      auto path = (dir == "/" ? "" : dir) + "/" + e.name;
      if (skipped(path)) continue;
      auto st = host_.lstat(path);
      if (!st) continue;
      if (S_ISDIR(st->st_mode))
        walk(path, depth + 1);
      else if (S_ISREG(st->st_mode))
        look_at(path);
    }
  }

  bool full() const { return visited_.size() >= kMaxFiles; }
  void limit_reached() {
    if (!stopped_)
      out_.notes.push_back("IoC sweep: limit reached: stopped after " + std::to_string(kMaxFiles) + " files");
    stopped_ = true;
    out_.complete = false;
  }

  // A skipped folder is skipped whole: itself and everything under it.
  bool skipped(const std::string& path) const {
    return std::any_of(skip_.begin(), skip_.end(),
                       [&](const std::string& s) { return path == s || path.starts_with(s + "/"); });
  }

  void look_at(const std::string& path) {
    if (skipped(path)) return;
    auto st = host_.lstat(path);
    if (!st || !S_ISREG(st->st_mode) || visited_.contains({st->st_dev, st->st_ino})) return;
    if (full()) return limit_reached();
    visited_.insert({st->st_dev, st->st_ino});
    auto add = [&](Group g, const std::string& kind, const Ioc& ioc, const std::string& what) {
      auto f = match(g, kind, ioc, iocs_, what + " " + printable(path), path);
      f.path = printable(path);
      out_.findings.push_back(std::move(f));
      return &out_.findings.back();
    };
    if (auto* i = paths_.contains(path) ? iocs_.find("path", path) : nullptr)
      add(Group::miner, "file.miner_binary", *i, "file at");
    // Without hash IoCs only configs are of interest: small files, read no further than that.
    size_t limit = hashes_.empty() ? kMaxText : kMaxHashed;
    if (static_cast<size_t>(st->st_size) > limit) return;
    auto c = host_.read(path, limit);
    if (!c || c->truncated) return;
    if (!hashes_.empty())
      if (auto* i = iocs_.find("sha256", sha256_hex(c->data)))
        add(Group::miner, "file.miner_binary", *i, "same SHA-256 as")->evidence["sha256"] = i->value;
    if (c->data.size() > kMaxText || c->data.find('\0') != std::string::npos) return;
    // Persistence files are judged by the persistence scan, tied through the same IoCs (one finding a line).
    if (!is_persistence_file(path))
      if (auto* i = referenced(iocs_, c->data)) add(Group::miner, "file.miner_config", *i, "named in");
    int n = 0;
    for (auto line : lines(c->data)) {
      ++n;
      auto* i = lines_.empty() ? nullptr : iocs_.find("persistence_line", std::string(trim(line)));
      if (!i) continue;
      auto f = match(Group::persistence, i->context.value("kind", std::string("cron")), *i, iocs_,
                     "the same line in " + printable(path) + ":" + std::to_string(n), path + "\n" + i->value);
      f.path = printable(path);
      f.line = n;
      out_.findings.push_back(std::move(f));
    }
  }

  const HostRoot& host_;
  const IocSet& iocs_;
  const std::vector<std::string>& skip_;
  std::set<std::string> hashes_, paths_, lines_;
  std::set<std::pair<dev_t, ino_t>> visited_;
  IocSweep out_;
  bool stopped_ = false;
};

}  // namespace

bool is_ioc_match(const Finding& f) { return f.evidence.is_object() && f.evidence.contains("ioc"); }

IocSweep sweep_iocs(const HostRoot& host, const IocSet& iocs, const std::vector<std::string>& skip) {
  Sweeper s(host, iocs, skip);
  s.processes();
  s.connections();
  s.files();
  s.keys();
  auto out = s.done();
  out.findings = dedupe(std::move(out.findings));
  return out;
}

size_t mark_ioc_matches(std::vector<Finding>& findings, const IocSet& iocs) {
  size_t n = 0;
  for (auto& f : findings) {
    if (!f.evidence.is_object() || is_ioc_match(f)) continue;
    auto type = f.evidence.value("indicator_type", std::string());
    auto value = f.evidence.value("indicator", std::string());
    auto* i = value.empty() ? nullptr : iocs.find(type, value);
    if (!i) continue;
    f.evidence["ioc"] = ioc_json(*i, iocs);
    f.severity = std::max(f.severity, Severity::high);
    ++n;
  }
  return n;
}

IncidentIndicators matched_indicators(const std::vector<Finding>& findings, const IocSet& iocs) {
  IocSet matched;
  for (auto& f : findings)
    if (is_ioc_match(f)) {
      auto& i = f.evidence["ioc"];
      if (auto* ioc = iocs.find(i.value("type", std::string()), i.value("value", std::string())))
        matched.add(ioc->type, ioc->value);
    }
  return matched.indicators();
}

Verdict raise_for_ioc_matches(Verdict v, const std::vector<Finding>& findings) {
  for (auto& f : findings)
    if (is_ioc_match(f) && (!v.severity || *v.severity < Severity::high)) {
      v.severity = Severity::high;
      if (v.case_name == "No Mining Activity") v.case_name = "Suspicious Activity";
    }
  return v;
}

IocSet read_ioc_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError("IoC file " + path + ": cannot be read", "iocs");
  std::ostringstream text;
  text << in.rdbuf();
  return IocSet::parse(text.str(), path);
}

void apply_ioc_sweep(TriageResult& r, const HostRoot& host, const IocSet& iocs, const std::vector<std::string>& skip) {
  mark_ioc_matches(r.findings, iocs);
  auto sweep = sweep_iocs(host, iocs, skip);
  // A line validate already reports (the persistence scan tied it through the same IoCs) stays one finding.
  std::set<std::pair<std::string, int>> reported;
  for (auto& f : r.findings)
    if (f.path && f.line) reported.insert({*f.path, *f.line});
  for (auto& f : sweep.findings)
    if (!(f.path && f.line && reported.contains({*f.path, *f.line}))) r.findings.push_back(std::move(f));
  for (auto& n : sweep.notes) r.notes.push_back(std::move(n));
  if (!sweep.complete) r.complete = false;
  r.findings = dedupe(std::move(r.findings));
  r.indicators.merge(matched_indicators(r.findings, iocs));
  r.verdict = raise_for_ioc_matches(attack_chain_verdict(r.findings), r.findings);
}

}  // namespace unmine
