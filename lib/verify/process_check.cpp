#include "verify/process_check.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "core/hashing.h"
#include "core/text.h"
#include "host/process.h"

namespace unmine {
namespace {

std::string joined_cmdline(const Process& p) {
  std::string out;
  for (auto& a : p.cmdline) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

// Hashes each distinct executable once; only those whose size is one a preserved miner had, unless the
// case holds a hash whose size it does not know (then every executable is a candidate).
class ExeHasher {
 public:
  ExeHasher(const HostRoot& host, const CaseBaseline& b) : host_(host) {
    for (auto& h : b.indicators.sha256s)
      if (!b.exe_sizes.contains(h)) any_size_ = true;
    for (auto& [h, size] : b.exe_sizes) {
      if (size == 0) any_size_ = true;
      sizes_.insert(size);
    }
    wanted_ = !b.exe_hashes().empty();
  }

  std::optional<std::string> sha256_of(int pid) {
    if (!wanted_) return std::nullopt;
    auto fd = host_.open_proc(std::to_string(pid) + "/exe", O_RDONLY);
    if (!fd) return std::nullopt;
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    if (!any_size_ && !sizes_.contains(static_cast<uint64_t>(st.st_size))) return std::nullopt;
    auto key = std::make_pair(static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino));
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    auto d = hash_fd(fd.get());
    if (!d) return std::nullopt;
    ++hashed;
    return cache_[key] = d->sha256;
  }

  int hashed = 0;

 private:
  const HostRoot& host_;
  std::set<uint64_t> sizes_;
  bool any_size_ = false;
  bool wanted_ = false;
  std::map<std::pair<uint64_t, uint64_t>, std::string> cache_;
};

Finding process_finding(const Process& p, Group group, const char* kind, Severity sev, const std::string& why,
                        const std::string& key, nlohmann::json evidence) {
  auto exe = printable(p.exe.empty() ? p.comm : p.exe);
  auto f = make_finding(group, kind, sev, "process " + std::to_string(p.pid) + " (" + exe + ") " + why, key);
  f.pid = p.pid;
  if (!p.exe.empty()) f.path = printable(p.exe);
  evidence["exe"] = exe;
  nlohmann::json cmd = nlohmann::json::array();
  for (auto& a : p.cmdline) cmd.push_back(printable(a));
  evidence["cmdline"] = cmd;
  evidence["started_at"] = p.started_at;
  f.evidence = std::move(evidence);
  return f;
}

}  // namespace

ProcessCheck check_processes(const HostRoot& host, const CaseBaseline& b) {
  ProcessCheck out;
  if (!host.has_proc()) return out;
  ProcReader reader(host);
  ExeHasher hasher(host, b);
  auto hashes = b.exe_hashes();
  const int self = host.proc_is_live() ? static_cast<int>(::getpid()) : -1;
  for (auto& p : reader.all()) {
    if (p.kernel_thread || p.pid == self) continue;
    ++out.processes;
    auto cmd = joined_cmdline(p);
    auto exe_key = printable(p.exe) + '\0' + printable(cmd);
    bool by_exe = false;
    if (auto h = hasher.sha256_of(p.pid); h && hashes.contains(*h)) {
      out.findings.push_back(process_finding(p, Group::miner, "process.exe", Severity::high,
                                             "runs a preserved miner executable (sha256 " + h->substr(0, 16) + "…)",
                                             "exe-sha256|" + *h + exe_key, {{"rule", "sha256"}, {"sha256", *h}}));
      by_exe = true;
    } else if (p.exe_ino &&
               b.indicators.inodes.contains({static_cast<uint64_t>(p.exe_dev), static_cast<uint64_t>(p.exe_ino)})) {
      auto inode = std::to_string(p.exe_dev) + ":" + std::to_string(p.exe_ino);
      out.findings.push_back(process_finding(p, Group::miner, "process.exe", Severity::high,
                                             "runs the miner's executable inode " + inode,
                                             "exe-inode|" + inode + exe_key, {{"rule", "inode"}, {"inode", inode}}));
      by_exe = true;
    } else if (!p.exe.empty() && b.indicators.paths.contains(p.exe)) {
      out.findings.push_back(process_finding(p, Group::miner, "process.exe", Severity::high,
                                             "runs from the miner's path", "exe-path|" + exe_key,
                                             {{"rule", "path"}, {"path", printable(p.exe)}}));
      by_exe = true;
    }
    for (auto& pattern : b.cmdline_patterns) {
      if (cmd.find(pattern) == std::string::npos) continue;
      out.findings.push_back(process_finding(p, Group::miner, "process.cmdline", Severity::high,
                                             "has the miner's command line", "cmdline|" + pattern + exe_key,
                                             {{"rule", "cmdline"}, {"matched", printable(pattern)}}));
      break;
    }
    if (auto hit = b.indicators.referenced_in(cmd)) {
      bool pool = hit->type == "domain" || hit->type == "ip";
      bool strong = pool || hit->type == "wallet" || hit->type == "sha256" || hit->type == "path";
      if (!(by_exe && hit->type == "path")) {
        out.findings.push_back(process_finding(
            p, pool ? Group::pool : Group::miner, "process.cmdline", strong ? Severity::high : Severity::medium,
            "names the incident's " + hit->type + " " + printable(hit->value),
            "cmdline-" + hit->type + "|" + hit->value + exe_key,
            {{"rule", "indicator." + hit->type}, {"matched", printable(hit->value)}}));
      }
    }
    if (!by_exe && !p.exe.empty()) {
      auto slash = p.exe.rfind('/');
      auto name = slash == std::string::npos ? p.exe : p.exe.substr(slash + 1);
      if (b.indicators.names.contains(name))
        out.findings.push_back(process_finding(p, Group::miner, "process.name", Severity::medium,
                                               "has the miner's name " + printable(name), "name|" + name + exe_key,
                                               {{"rule", "name"}, {"matched", printable(name)}}));
    }
  }
  out.hashed = hasher.hashed;
  return out;
}

}  // namespace unmine
