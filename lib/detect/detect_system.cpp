// System optimisation for mining: model-specific registers opened for writing (RandomX's wrmsr tweak),
// huge pages reserved (at runtime or in sysctl files), 1 GB pages, tuning sysctls, `modprobe msr` in
// scripts, and the miner options that ask for them. Each is context alone (databases use huge pages) and
// evidence beside a miner.
#include <dirent.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/text.h"
#include "detect/detectors.h"
#include "host/msr.h"
#include "persist/sysctl.h"

namespace unmine {
namespace {

constexpr size_t kScriptMax = 1 << 20;
constexpr size_t kScriptsPerFolder = 64;

std::optional<long> number_in(std::string_view text) {
  text = trim(text);
  long v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc{}) return std::nullopt;
  return v;
}

Finding file_finding(const char* kind, Severity sev, std::string summary, const std::string& path, int line,
                     std::string_view text, const char* rule) {
  auto f = make_finding(Group::system_optimization, kind, sev, std::move(summary), path + "\n" + std::string(text));
  f.path = printable(path);
  if (line > 0) f.line = line;
  f.evidence = {{"text", printable(text)}, {"rule", rule}};
  return f;
}

// The settings of a sysctl file (parse_sysctl_conf, the persistence scan's parser).
void sysctl_file(const HostRoot& host, const std::string& path, Severity tuned, std::vector<Finding>& out) {
  auto f = host.read(path, kScriptMax);
  if (!f) return;
  for (auto& setting : parse_sysctl_conf(f->data).settings) {
    const auto& key = setting.key;
    const int number = setting.line;
    auto line = trim(setting.text);
    if (line.front() == '-') line.remove_prefix(1);  // the finding's key as before: the line without its '-'
    auto value = number_in(setting.value);
    if (key == "vm.nr_hugepages" && value && *value > 0)
      out.push_back(file_finding(
          "sysctl.hugepages", tuned,
          path + " line " + std::to_string(number) + " reserves " + std::to_string(*value) + " huge pages at boot",
          path, number, line, "vm.nr_hugepages in sysctl file"));
    else if (key == "kernel.nmi_watchdog" && value && *value == 0)
      out.push_back(file_finding("sysctl", tuned,
                                 path + " line " + std::to_string(number) + " turns the NMI watchdog off", path, number,
                                 line, "kernel.nmi_watchdog=0 in sysctl file"));
  }
}

// Lines loading the msr module: "modprobe msr" in scripts, "msr" alone in modules-load files.
void msr_loads(const HostRoot& host, const std::string& path, bool module_list, Severity sev,
               std::vector<Finding>& out) {
  auto f = host.read(path, kScriptMax);
  if (!f || f->data.find("msr") == std::string::npos) return;
  int number = 0;
  for (auto raw : lines(f->data)) {
    ++number;
    auto line = trim(raw);
    if (line.empty() || line[0] == '#') continue;
    bool hit = module_list ? line == "msr"
                           : (line.find("modprobe msr") != std::string_view::npos ||
                              line.find("modprobe -q msr") != std::string_view::npos ||
                              line.find("insmod msr") != std::string_view::npos);
    if (!hit) continue;
    out.push_back(file_finding("msr", sev, path + " line " + std::to_string(number) + " loads the msr module", path,
                               number, line.substr(0, 400), "modprobe msr"));
  }
}

bool holds_msr(const std::string& target) { return target.starts_with("/dev/cpu/") && target.ends_with("/msr"); }

}  // namespace

std::vector<Finding> detect_system(const HostRoot& host, const std::vector<MinerInfo>& miners,
                                   const std::vector<const Process*>& candidates, bool msr_fd_scan_all) {
  std::vector<Finding> out;
  const bool mining = !miners.empty();
  // Beside a running miner these are part of its operation; alone they are what some servers do.
  const Severity tuned = mining ? Severity::medium : Severity::info;

  // msr module: allow_writes=on is what RandomX's MSR tweak needs.
  bool msr_loaded = host.has_sys() && !host.list_sys("module/msr").empty();
  if (msr_loaded) {
    std::string value = msr_allow_writes(host).value_or("unknown");
    bool writes = msr_allows_writes(value);
    auto f = make_finding(
        Group::system_optimization, "msr", writes ? (mining ? Severity::high : Severity::medium) : Severity::info,
        std::string("the msr module is loaded") + (writes ? " with allow_writes=on: CPU registers can be rewritten"
                                                          : " (allow_writes=" + printable(value) + ")"),
        "msr-module");
    f.path = host.sys_path() + "/module/msr/parameters/allow_writes";
    f.evidence = {{"allow_writes", printable(value)}, {"rule", "msr allow_writes"}};
    out.push_back(std::move(f));
  }

  // Who holds /dev/cpu/N/msr open: the miners always; everyone only when the module is loaded.
  std::vector<int> pids;
  pids.reserve(miners.size() + candidates.size());
  for (auto& m : miners) pids.push_back(m.proc.pid);
  for (auto* p : candidates) pids.push_back(p->pid);
  if (msr_loaded && msr_fd_scan_all)
    for (auto& e : host.list_proc(".")) {
      int pid = 0;
      if (std::from_chars(e.name.data(), e.name.data() + e.name.size(), pid).ec == std::errc{}) pids.push_back(pid);
    }
  std::sort(pids.begin(), pids.end());
  pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  ProcReader reader(host);
  for (int pid : pids) {
    for (auto& fd : reader.fds(pid)) {
      if (!holds_msr(fd.target)) continue;
      auto p = reader.read(pid);
      std::string exe = p ? p->exe : std::string();
      auto f = make_finding(Group::system_optimization, "msr", Severity::high,
                            "pid " + std::to_string(pid) + " (" + printable(p ? p->comm : "?") + ") holds " +
                                printable(fd.target) + " open",
                            "msr-open\n" + exe);
      f.pid = pid;
      f.path = printable(fd.target);
      f.evidence = {
          {"fd", fd.fd}, {"target", printable(fd.target)}, {"exe", printable(exe)}, {"rule", "/dev/cpu/*/msr open"}};
      out.push_back(std::move(f));
      break;
    }
  }

  // Huge pages reserved now.
  if (auto hp = host.read_proc("sys/vm/nr_hugepages", 64))
    if (auto n = number_in(hp->data); n && *n > 0) {
      auto f = make_finding(Group::system_optimization, "sysctl.hugepages", tuned,
                            "vm.nr_hugepages is " + std::to_string(*n) + " (huge pages reserved at runtime)",
                            "hugepages-runtime");
      f.path = host.proc_path() + "/sys/vm/nr_hugepages";
      f.evidence = {{"nr_hugepages", *n}, {"rule", "vm.nr_hugepages > 0"}};
      out.push_back(std::move(f));
    }
  if (auto gp = host.read_sys("kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", 64))
    if (auto n = number_in(gp->data); n && *n > 0) {
      auto f = make_finding(Group::system_optimization, "sysctl.hugepages", tuned,
                            std::to_string(*n) + " 1 GB huge pages are reserved", "hugepages-1g");
      f.path = host.sys_path() + "/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages";
      f.evidence = {{"nr_hugepages_1g", *n}, {"rule", "1 GB pages reserved"}};
      out.push_back(std::move(f));
    }

  // Settings that survive a reboot.
  sysctl_file(host, std::string(kSysctlConf), tuned, out);
  for (auto dir : kSysctlFolders)
    for (auto& e : host.list(dir))
      if (e.name.ends_with(".conf")) sysctl_file(host, std::string(dir) + "/" + e.name, tuned, out);
  msr_loads(host, "/etc/modules", true, mining ? Severity::medium : Severity::low, out);
  for (auto& e : host.list("/etc/modules-load.d"))
    if (e.name.ends_with(".conf"))
      msr_loads(host, "/etc/modules-load.d/" + e.name, true, mining ? Severity::medium : Severity::low, out);
  const Severity script_sev = mining ? Severity::high : Severity::medium;
  for (auto path : {"/etc/rc.local", "/etc/crontab"}) msr_loads(host, path, false, script_sev, out);
  for (auto& e : host.list("/etc/cron.d")) msr_loads(host, "/etc/cron.d/" + e.name, false, script_sev, out);
  // Scripts beside the miners: droppers ship a setup script with the binary.
  std::set<std::string> folders;
  for (auto& m : miners) {
    if (!m.proc.exe.empty() && !m.proc.exe_memfd && !is_system_path(m.proc.exe)) folders.insert(dir_name(m.proc.exe));
    if (!m.proc.cwd.empty() && m.proc.cwd != "/" && !is_system_path(m.proc.cwd + "/")) folders.insert(m.proc.cwd);
  }
  for (auto& dir : folders) {
    size_t n = 0;
    for (auto& e : host.list(dir)) {
      if (e.type != DT_REG && e.type != DT_UNKNOWN) continue;
      if (++n > kScriptsPerFolder) break;
      msr_loads(host, dir + "/" + e.name, false, script_sev, out);
    }
  }

  // Miner options that rewrite registers or reserve 1 GB pages.
  for (auto& m : miners)
    for (size_t i = 1; i < m.proc.cmdline.size(); ++i) {
      std::string_view a = m.proc.cmdline[i];
      bool wrmsr = a.starts_with("--randomx-wrmsr"), gb = a.starts_with("--randomx-1gb-pages");
      if (!wrmsr && !gb) continue;
      auto f = make_finding(Group::system_optimization, wrmsr ? "msr" : "sysctl.hugepages", Severity::medium,
                            describe(m.proc) + " runs with " + printable(a) +
                                (wrmsr ? ": it rewrites CPU registers for RandomX" : ": it reserves 1 GB pages"),
                            "flag\n" + m.proc.exe + "\n" + std::string(a));
      f.pid = m.proc.pid;
      f.path = printable(m.proc.exe);
      f.evidence = {{"option", printable(a)}, {"rule", "miner tuning option"}};
      out.push_back(std::move(f));
    }
  return out;
}

}  // namespace unmine
