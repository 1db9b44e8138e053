// Miner signals of a process: what it runs, with which options, from where, with what in its environment.
#include <algorithm>

#include "core/text.h"
#include "detect/detectors.h"
#include "detect/miner_args.h"
#include "detect/pool_url.h"
#include "model/wallets.h"

namespace unmine {
namespace {

// Folders that stay writable by anyone: miners are dropped there.
bool is_drop_folder(std::string_view path) {
  for (std::string_view d : {"/tmp/", "/var/tmp/", "/dev/shm/", "/run/shm/", "/dev/mqueue/"})
    if (path.starts_with(d)) return true;
  return false;
}

nlohmann::json wallet_list(const std::vector<WalletMatch>& wallets) {
  auto a = nlohmann::json::array();
  for (auto& w : wallets) a.push_back({{"address", w.address}, {"coin", w.coin}, {"checksum_valid", w.checksum_valid}});
  return a;
}

void add(ProcessSignals& s, Finding f) {
  s.strongest = std::max(s.strongest, f.severity);
  s.findings.push_back(std::move(f));
}

Finding process_finding(const Process& p, Group g, const char* kind, Severity sev, std::string summary,
                        const std::string& key_suffix = {}) {
  auto f = make_finding(g, kind, sev, std::move(summary), p.exe + "\n" + cmdline_text(p, 1 << 20) + key_suffix);
  f.pid = p.pid;
  if (!p.exe.empty()) f.path = printable(p.exe);
  return f;
}

void cmdline_signals(const Process& p, const Indicators& ind, ProcessSignals& s) {
  if (p.cmdline.size() < 2) return;
  auto args = parse_miner_args(p.cmdline, ind);
  std::vector<WalletMatch> wallets;
  for (size_t i = 1; i < p.cmdline.size(); ++i)
    for (auto& w : find_wallets(p.cmdline[i]))
      if (w.checksum_valid) wallets.push_back(std::move(w));
  // Pool URLs anywhere in the arguments: a shell running `sh -c "./x -o stratum+tcp://..."` names them too.
  std::vector<PoolUrl> urls;
  for (size_t i = 1; i < p.cmdline.size(); ++i)
    for (auto& u : find_pool_urls(p.cmdline[i], ind))
      if (u.pool_scheme) urls.push_back(std::move(u));
  bool known_pool = std::any_of(args.pools.begin(), args.pools.end(), [&](auto& x) { return ind.is_pool_domain(x.host); });
  bool stratum_pool = std::any_of(args.pools.begin(), args.pools.end(), [&](auto& x) { return ind.is_stratum_port(x.port); });
  for (auto& x : args.pools) s.pools.emplace_back(x.host, x.port);
  for (auto& u : urls) s.pools.emplace_back(u.host, u.port);

  Severity sev = Severity::info;
  std::vector<std::string> why;
  if (!urls.empty()) sev = Severity::high, why.push_back("stratum pool URL");
  if (known_pool) sev = Severity::high, why.push_back("known pool host");
  if (!wallets.empty()) sev = Severity::high, why.push_back("wallet address");
  if (!args.family_flags.empty()) {
    auto by_flags = args.family_flags.size() >= 2 ? Severity::medium : Severity::low;
    if (!args.pools.empty() || !args.common_flags.empty()) by_flags = Severity::high;
    sev = std::max(sev, by_flags);
    why.push_back(args.flag_family->name + " option");
  }
  if (!args.pools.empty() && sev == Severity::info && stratum_pool) sev = Severity::medium, why.push_back("pool on a stratum port");
  if (sev == Severity::info) return;

  std::string summary = describe(p) + " command line: ";
  for (size_t i = 0; i < why.size(); ++i) summary += (i ? ", " : "") + why[i];
  auto f = process_finding(p, Group::miner, "process.cmdline", sev, summary);
  auto pools = nlohmann::json::array();
  for (auto& x : args.pools) pools.push_back(printable(x.url));
  for (auto& u : urls)
    if (std::find(pools.begin(), pools.end(), printable(u.url)) == pools.end()) pools.push_back(printable(u.url));
  auto flags = nlohmann::json::array();
  for (auto& x : args.family_flags) flags.push_back(printable(x));
  f.evidence = {{"cmdline", cmdline_text(p)}, {"pools", pools}, {"wallets", wallet_list(wallets)}, {"family_flags", flags},
                {"rule", "miner options, pool URLs and wallets in argv"}};
  if (args.algorithm) f.evidence["algorithm"] = printable(*args.algorithm);
  add(s, std::move(f));
}

void name_signals(const Process& p, const Indicators& ind, ProcessSignals& s) {
  std::string names[] = {std::string(base_name(p.exe)), p.cmdline.empty() ? std::string() : std::string(base_name(p.cmdline[0])), p.comm};
  const MinerFamily* family = nullptr;
  std::string matched;
  for (auto& n : names) {
    if (n.empty() || p.exe_memfd) continue;
    if ((family = ind.family_for_name(n))) {
      matched = n;
      break;
    }
  }
  const MinerFamily* dropped = p.exe.empty() ? nullptr : ind.family_for_drop_path(p.exe);
  if (!family && !dropped) return;
  Severity sev;
  std::string summary;
  if (dropped) {
    sev = Severity::high;
    summary = describe(p) + " runs from " + printable(p.exe) + ", where " + dropped->name + " is dropped";
  } else {
    auto lower = to_lower(matched);
    bool shipped = std::find(family->binaries.begin(), family->binaries.end(), lower) != family->binaries.end();
    // A renamed build hides behind a system-sounding name; from a drop folder it is a miner beyond doubt.
    sev = shipped || is_drop_folder(p.exe) ? Severity::high : Severity::medium;
    summary = describe(p) + " is named " + printable(matched) + ", " + (shipped ? "a " : "a name campaigns give ") +
              family->name + (shipped ? " binary" : " builds");
  }
  auto f = process_finding(p, Group::miner, "process.name", sev, summary);
  f.evidence = {{"name", printable(matched)}, {"exe", printable(p.exe)}, {"family", (dropped ? dropped : family)->name},
                {"rule", dropped ? "known drop path" : "known miner name"}};
  add(s, std::move(f));
}

void environ_signals(const Process& p, const Indicators& ind, ProcessSignals& s) {
  std::vector<WalletMatch> wallets;
  std::vector<std::string> keys, pools;
  Severity sev = Severity::info;
  for (auto& kv : p.environ) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq + 1 >= kv.size()) continue;
    std::string_view key(kv.data(), eq), value(kv.data() + eq + 1, kv.size() - eq - 1);
    bool wallet_key = std::find(ind.wallet_env_keys().begin(), ind.wallet_env_keys().end(), key) != ind.wallet_env_keys().end();
    bool pool_key = std::find(ind.pool_env_keys().begin(), ind.pool_env_keys().end(), key) != ind.pool_env_keys().end();
    for (auto& w : find_wallets(value)) {
      if (!w.checksum_valid && !wallet_key) continue;
      sev = std::max(sev, w.checksum_valid ? Severity::high : Severity::low);
      keys.emplace_back(key);
      wallets.push_back(std::move(w));
    }
    for (auto& u : find_pool_urls(value, ind))
      if (u.pool_scheme || ind.is_pool_domain(u.host)) {
        sev = Severity::high;
        keys.emplace_back(key);
        pools.push_back(printable(u.url));
      }
    if (pool_key && pools.empty())
      if (auto u = parse_pool_url(value, ind); u && (ind.is_stratum_port(u->port) || ind.is_pool_domain(u->host))) {
        sev = std::max(sev, Severity::medium);
        keys.emplace_back(key);
        pools.push_back(printable(value));
      }
  }
  if (sev == Severity::info) return;
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::string summary = describe(p) + " environment holds " +
                        std::string(!wallets.empty() && !pools.empty() ? "a wallet and a pool"
                                    : !wallets.empty()                 ? "a wallet"
                                                                       : "a pool") +
                        " (";
  for (size_t i = 0; i < keys.size(); ++i) summary += (i ? ", " : "") + printable(keys[i]);
  summary += ")";
  auto f = process_finding(p, Group::miner, "process.environ", sev, summary);
  auto k = nlohmann::json::array();
  for (auto& x : keys) k.push_back(printable(x));
  f.evidence = {{"variables", k}, {"wallets", wallet_list(wallets)}, {"pools", pools}, {"rule", "wallet or pool in environ"}};
  add(s, std::move(f));
}

void image_signals(const Process& p, ProcessSignals& s, bool other_signals) {
  if (!p.exe_deleted && !p.exe_memfd) return;
  // Package upgrades replace binaries under running daemons, and runtimes (runc, sandboxes) run sealed
  // copies of themselves from memory: alone, an image missing from disk is context. From a drop folder, or
  // beside miner signals, it keeps the miner out of file scans: that is hiding.
  bool dropped = is_drop_folder(p.exe);
  Severity sev = other_signals ? Severity::high : dropped ? Severity::medium : Severity::info;
  std::string summary = describe(p) + (p.exe_memfd ? " runs from an anonymous memory file (" + printable(p.exe) + ")"
                                                    : " runs a deleted binary " + printable(p.exe));
  if (sev == Severity::info && !p.exe_memfd && is_system_path(p.exe)) summary += " (likely replaced by a package upgrade)";
  auto f = process_finding(p, sev == Severity::info ? Group::miner : Group::hiding, "process.exe_deleted", sev, summary);
  f.evidence = {{"exe", printable(p.exe)}, {"memfd", p.exe_memfd}, {"rule", "image deleted from disk"}};
  add(s, std::move(f));
}

}  // namespace

bool is_system_path(std::string_view path) {
  for (std::string_view d : {"/usr/", "/bin/", "/sbin/", "/lib/", "/lib64/", "/opt/", "/snap/"})
    if (path.starts_with(d)) return true;
  return false;
}

std::string cmdline_text(const Process& p, size_t max) {
  std::string out;
  for (auto& a : p.cmdline) {
    if (!out.empty()) out += ' ';
    out += a;
    if (out.size() >= max) break;
  }
  if (out.size() > max) out.resize(max);
  return printable(out);
}

std::string describe(const Process& p) {
  return "pid " + std::to_string(p.pid) + " (" + printable(p.comm) + ")";
}

ProcessSignals detect_process(const Process& p, const Indicators& ind, const HostRoot& host) {
  ProcessSignals s;
  if (p.kernel_thread) return s;
  cmdline_signals(p, ind, s);
  name_signals(p, ind, s);
  environ_signals(p, ind, s);
  image_signals(p, s, s.strongest >= Severity::medium);
  // XMRig reads config.json beside itself when no option names one: a config there outside package folders
  // is worth reading.
  bool config_beside = !p.exe.empty() && !p.exe_deleted && !p.exe_memfd && !is_system_path(p.exe) &&
                       p.exe.starts_with('/') && host.exists(dir_name(p.exe) + "/config.json");
  s.profile = s.strongest >= Severity::low || config_beside;
  s.cpu_candidate = s.profile || p.cpu_share >= kBusyShare;
  return s;
}

std::optional<Finding> detect_cpu(const Process& p, double recent, bool other_miner_signals) {
  if (recent < kBusyShare || p.cpu_share < kBusyShare / 2) return std::nullopt;
  char buf[96];
  std::snprintf(buf, sizeof buf, " uses %.0f%% of a core now and %.0f%% on average since it started", recent * 100,
                p.cpu_share * 100);
  auto f = make_finding(Group::miner, "process.cpu", other_miner_signals ? Severity::medium : Severity::info,
                        describe(p) + buf, p.exe + "\n" + cmdline_text(p, 1 << 20));
  f.pid = p.pid;
  if (!p.exe.empty()) f.path = printable(p.exe);
  f.evidence = {{"recent_share", recent}, {"lifetime_share", p.cpu_share}, {"cpu_seconds", p.cpu_seconds},
                {"rule", "sustained CPU"}};
  return f;
}

}  // namespace unmine
