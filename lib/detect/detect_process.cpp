// Miner signals of a process: what it runs, with which options, from where, with what in its environment.
#include <sys/stat.h>

#include <algorithm>

#include "core/text.h"
#include "detect/detectors.h"
#include "detect/miner_args.h"
#include "detect/miner_config.h"
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

// Where no package puts a program: a world-writable or hidden folder, a deleted or memory-only image, or
// outside the folders packages install into.
bool odd_place(const Process& p) {
  if (p.exe.empty()) return false;
  return p.exe_deleted || p.exe_memfd || is_drop_folder(p.exe) || p.exe.find("/.") != std::string::npos ||
         !is_system_path(p.exe);
}

// "[cmake]", as ps shows a kernel thread: one word in brackets. Titles such as "[celeryd: w@host:Main]"
// that programs give themselves hold spaces.
bool bracketed(std::string_view name) {
  return name.size() > 2 && name.front() == '[' && name.back() == ']' &&
         name.find_first_of(" \t") == std::string_view::npos;
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
  bool known_pool =
      std::any_of(args.pools.begin(), args.pools.end(), [&](auto& x) { return ind.is_pool_domain(x.host); });
  bool stratum_pool =
      std::any_of(args.pools.begin(), args.pools.end(), [&](auto& x) { return ind.is_stratum_port(x.port); });
  for (auto& x : args.pools) s.pools.emplace_back(x.host, x.port);
  for (auto& u : urls) s.pools.emplace_back(u.host, u.port);

  Severity sev = Severity::info;
  std::vector<std::string> why;
  if (!urls.empty()) sev = Severity::high, why.emplace_back("stratum pool URL");
  if (known_pool) sev = Severity::high, why.emplace_back("known pool host");
  if (!wallets.empty()) sev = Severity::high, why.emplace_back("wallet address");
  if (!args.family_flags.empty()) {
    // Options many programs share (-p, -t, -c) weigh little: one family option beside one of them is how
    // `stress-ng --cpu 4 -t 60s` reads. Two family options, or one beside two shared ones, say miner.
    auto by_flags = args.family_flags.size() >= 2 || args.common_flags.size() >= 2 ? Severity::medium : Severity::low;
    if (!args.pools.empty()) by_flags = Severity::high;
    sev = std::max(sev, by_flags);
    why.push_back(args.flag_family->name + " option");
  }
  if (!args.pools.empty() && sev == Severity::info && stratum_pool)
    sev = Severity::medium, why.emplace_back("pool on a stratum port");
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
  f.evidence = {{"cmdline", cmdline_text(p)},
                {"pools", pools},
                {"wallets", wallet_list(wallets)},
                {"family_flags", flags},
                {"rule", "miner options, pool URLs and wallets in argv"}};
  if (args.algorithm) f.evidence["algorithm"] = printable(*args.algorithm);
  add(s, std::move(f));
}

void name_signals(const Process& p, const Indicators& ind, ProcessSignals& s) {
  std::string names[] = {std::string(base_name(p.exe)),
                         p.cmdline.empty() ? std::string() : std::string(base_name(p.cmdline[0])), p.comm};
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
  f.evidence = {{"name", printable(matched)},
                {"exe", printable(p.exe)},
                {"family", (dropped ? dropped : family)->name},
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
    bool wallet_key =
        std::find(ind.wallet_env_keys().begin(), ind.wallet_env_keys().end(), key) != ind.wallet_env_keys().end();
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
  f.evidence = {
      {"variables", k}, {"wallets", wallet_list(wallets)}, {"pools", pools}, {"rule", "wallet or pool in environ"}};
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
  if (sev == Severity::info && !p.exe_memfd && is_system_path(p.exe))
    summary += " (likely replaced by a package upgrade)";
  auto f =
      process_finding(p, sev == Severity::info ? Group::miner : Group::hiding, "process.exe_deleted", sev, summary);
  f.evidence = {{"exe", printable(p.exe)}, {"memfd", p.exe_memfd}, {"rule", "image deleted from disk"}};
  add(s, std::move(f));
}

// A user process (it has an executable) that calls itself by a kernel thread's name or by a bracketed
// name, as ps shows kernel threads: dressed to be passed over.
void dress_signals(const Process& p, const Indicators& ind, ProcessSignals& s) {
  if (p.exe.empty()) return;
  std::string shown = p.cmdline.empty() ? std::string() : std::string(trim(p.cmdline[0]));
  std::string matched;
  for (auto& name : {shown, p.comm}) {
    if (name.empty()) continue;
    std::string_view inner =
        bracketed(name) ? std::string_view(name).substr(1, name.size() - 2) : std::string_view(name);
    if (bracketed(name) || ind.is_kernel_thread_name(inner)) {
      matched = name;
      break;
    }
  }
  if (matched.empty()) return;
  auto f = process_finding(
      p, Group::hiding, "process.kthread_name", Severity::high,
      describe(p) + " calls itself " + printable(matched) + " like a kernel thread, but runs " + printable(p.exe));
  f.evidence = {{"name", printable(matched)},
                {"comm", printable(p.comm)},
                {"exe", printable(p.exe)},
                {"rule", "user process named like a kernel thread"}};
  add(s, std::move(f));
}

}  // namespace

std::optional<std::string> NearbyConfigs::find(const Process& p) {
  std::vector<std::string> dirs;
  if (!p.exe.empty() && !p.exe_memfd && p.exe.starts_with('/')) dirs.push_back(dir_name(p.exe));
  if (p.cwd.starts_with('/') && (dirs.empty() || dirs.front() != p.cwd)) dirs.push_back(p.cwd);
  if (dirs.empty()) return std::nullopt;
  // Processes of one mount namespace see the same files: a folder is read once for all of them. Without
  // the namespace link (a fixture) each process is read on its own.
  auto ns = p.mount_ns.empty() ? host_.readlink_proc(std::to_string(p.pid) + "/ns/mnt")
                               : std::optional<std::string>(p.mount_ns);
  for (auto& dir : dirs) {
    auto path = (dir == "/" ? std::string() : dir) + "/config.json";
    std::string key = ns ? *ns + "\n" + dir : std::string();
    if (!key.empty())
      if (auto it = seen_.find(key); it != seen_.end()) {
        if (it->second) return path;
        continue;
      }
    bool miner = false;
    constexpr size_t kConfigPeek = 256u << 10;  // miners' configs are a few KiB
    if (auto f = host_.read_as_process(p.pid, path, kConfigPeek); f && S_ISREG(f->st.st_mode)) {
      auto c = parse_miner_config(f->data, ind_);
      miner = !c.pools.empty() ||
              std::any_of(c.wallets.begin(), c.wallets.end(), [](auto& w) { return w.checksum_valid; }) ||
              ind_.family_for_config_keys(c.top_keys);
    }
    if (!key.empty()) seen_[key] = miner;
    if (miner) return path;
  }
  return std::nullopt;
}

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

std::string describe(const Process& p) { return "pid " + std::to_string(p.pid) + " (" + printable(p.comm) + ")"; }

ProcessSignals detect_process(const Process& p, const Indicators& ind, NearbyConfigs* configs) {
  ProcessSignals s;
  if (p.kernel_thread) return s;
  cmdline_signals(p, ind, s);
  name_signals(p, ind, s);
  environ_signals(p, ind, s);
  image_signals(p, s, s.strongest >= Severity::medium);
  dress_signals(p, ind, s);
  // XMRig reads config.json beside itself, then in its working folder, when no option names one: a
  // miner's config there makes the process worth a full look, whatever it is called.
  if (configs) s.nearby_config = configs->find(p);
  // A busy program from where no package puts one: its image is read for a miner's strings.
  bool busy_odd = p.cpu_share >= kBusyShare && odd_place(p);
  s.profile = s.strongest >= Severity::low || s.nearby_config || busy_odd;
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
  f.evidence = {{"recent_share", recent},
                {"lifetime_share", p.cpu_share},
                {"cpu_seconds", p.cpu_seconds},
                {"rule", "sustained CPU"}};
  return f;
}

}  // namespace unmine
