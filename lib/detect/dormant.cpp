#include "detect/dormant.h"

#include <algorithm>
#include <map>

#include "core/error.h"
#include "core/text.h"
#include "persist/immutable.h"

namespace unmine {
namespace {

constexpr size_t kMaxProfiledFile = 64 << 20;  // miners are a few MiB; a bigger file is noted, not hashed
constexpr size_t kMaxConfigsBeside = 16;

bool is_config_name(std::string_view name) { return name.ends_with(".json") || name == ".xmrig.json"; }

}  // namespace

DormantScan identify_referenced_files(const HostRoot& host, MinerProfiler& profiler,
                                      const std::vector<std::string>& paths) {
  DormantScan out;
  std::vector<std::string> files;
  std::map<std::string, std::string> beside;  // config -> the file it was found beside
  auto add = [&](const std::string& p) {
    if (std::find(files.begin(), files.end(), p) == files.end()) files.push_back(p);
  };
  for (auto& p : paths) {
    add(p);
    // XMRig reads config.json beside its executable; droppers leave theirs there too.
    auto dir = dir_name(p);
    size_t configs = 0;
    for (auto& e : host.list(dir)) {
      if (!is_config_name(e.name) || configs++ >= kMaxConfigsBeside) continue;
      auto config = dir == "/" ? "/" + e.name : dir + "/" + e.name;
      add(config);
      if (config != p) beside.emplace(config, p);
    }
  }
  for (auto& path : files) {
    auto st = host.stat(path);
    if (!st || !S_ISREG(st->st_mode)) continue;
    if (static_cast<size_t>(st->st_size) > kMaxProfiledFile) {
      out.notes.push_back(printable(path) + " (run or read by persistence) is " + std::to_string(st->st_size >> 20) +
                          " MiB: not profiled; identify --file it by hand");
      continue;
    }
    std::vector<Finding> found;
    FileProfile fp;
    try {
      fp = profiler.profile_file(path, &found);
    } catch (const RuntimeError& e) {
      out.notes.emplace_back(e.what());
      continue;
    }
    if (found.empty()) continue;
    for (auto& f : found) out.findings.push_back(std::move(f));
    auto& m = fp.info;
    out.indicators.paths.insert(path);
    // A miner config beside an executable a persistence entry runs makes that executable the miner.
    if (auto it = beside.find(path); it != beside.end() && fp.type == FileType::config) {
      auto exe = host.stat(it->second);
      if (exe && S_ISREG(exe->st_mode) && (exe->st_mode & 0111)) out.indicators.paths.insert(it->second);
    }
    if (fp.type == FileType::binary && !m.exe_sha256.empty()) out.indicators.sha256s.insert(m.exe_sha256);
    auto own = m.indicators();
    out.indicators.domains.merge(own.domains);
    out.indicators.wallets.merge(own.wallets);
    if (auto f = immutable_file_finding(host, path, fp.type == FileType::binary ? "miner binary" : "miner config"))
      out.findings.push_back(std::move(*f));
  }
  return out;
}

}  // namespace unmine
