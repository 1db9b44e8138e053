#include "hunt/tampering.h"

#include <algorithm>

#include "core/text.h"
#include "host/process.h"
#include "hunt/config_directives.h"

namespace unmine {
namespace {

Finding tampered(Severity sev, const std::string& what, const std::string& path, std::optional<int> line,
                 nlohmann::json ev) {
  auto f =
      make_finding(Group::hiding, "security_tool.tampered", sev, what, "tamper:" + what.substr(0, 40) + '\0' + path);
  if (!path.empty()) f.path = path;
  f.line = line;
  f.evidence = std::move(ev);
  return f;
}

bool changed_in_window(HuntContext& ctx, const std::string& path) {
  auto st = ctx.host.stat(path);
  return st && (ctx.window.contains(st->st_ctime) || ctx.window.contains(st->st_mtime));
}

std::vector<std::string> conf_texts(HuntContext& ctx, const std::string& main,
                                    const std::vector<std::string>& dropin_dirs, std::vector<std::string>* paths) {
  std::vector<std::string> texts;
  if (auto t = ctx.host.read(main, 1 << 20)) texts.push_back(t->data), paths->push_back(main);
  for (auto& dir : dropin_dirs) {
    std::vector<std::string> names;
    for (auto& e : ctx.host.list(dir))
      if (e.name.ends_with(".conf")) names.push_back(e.name);
    std::sort(names.begin(), names.end());
    for (auto& n : names)
      if (auto t = ctx.host.read(dir + "/" + n, 1 << 20)) texts.push_back(t->data), paths->push_back(dir + "/" + n);
  }
  return texts;
}

void journald(HuntContext& ctx, std::vector<Finding>& out) {
  std::vector<std::string> paths;
  auto texts = conf_texts(
      ctx, "/etc/systemd/journald.conf",
      {"/usr/lib/systemd/journald.conf.d", "/etc/systemd/journald.conf.d", "/run/systemd/journald.conf.d"}, &paths);
  auto storage = last_setting(texts, "Storage");
  if (storage && to_lower(*storage) == "none")
    out.push_back(tampered(Severity::high, "journald stores nothing (Storage=none): logs are dropped",
                           paths.empty() ? "" : paths.back(), std::nullopt,
                           {{"setting", "Storage=none"}, {"files", paths}}));
}

void auditd(HuntContext& ctx, std::vector<Finding>& out) {
  bool installed = ctx.host.exists("/sbin/auditd") || ctx.host.exists("/usr/sbin/auditd");
  if (!installed) return;
  if (ctx.host.proc_is_live() && ctx.host.is_live_root()) {
    bool running = false;
    for (auto& p : ProcReader(ctx.host).all())
      if (p.comm == "auditd") running = true;
    if (!running)
      out.push_back(tampered(Severity::medium, "auditd is installed but not running", "/usr/sbin/auditd", std::nullopt,
                             {{"service", "auditd"}}));
  }
  std::vector<std::string> files = {"/etc/audit/audit.rules"};
  for (auto& e : ctx.host.list("/etc/audit/rules.d"))
    if (e.name.ends_with(".rules")) files.push_back("/etc/audit/rules.d/" + e.name);
  for (auto& path : files) {
    auto t = ctx.host.read(path, 4 << 20);
    if (!t) continue;
    int n = 0;
    for (auto line : lines(t->data)) {
      ++n;
      auto s = trim(line);
      if (s == "-e 0")
        out.push_back(tampered(Severity::high, "audit rules disable auditing (-e 0)", path, n, {{"rule", "-e 0"}}));
    }
  }
  if (!ctx.host.exists("/etc/audit/rules.d") && !ctx.host.exists("/etc/audit/audit.rules"))
    out.push_back(
        tampered(Severity::medium, "auditd is installed but its rules are gone", "/etc/audit", std::nullopt, {}));
}

void selinux(HuntContext& ctx, std::vector<Finding>& out) {
  auto t = ctx.host.read("/etc/selinux/config", 65536);
  if (!t) return;
  for (auto& d : parse_directives(t->data, "=")) {
    if (d.key != "selinux") continue;
    auto v = first_word_lower(d.value);
    if (v != "permissive" && v != "disabled") continue;
    bool recent = changed_in_window(ctx, "/etc/selinux/config");
    out.push_back(tampered(recent ? Severity::high : Severity::low,
                           "SELinux is " + v + (recent ? " (set in the compromise window)" : ""), "/etc/selinux/config",
                           d.line, {{"setting", d.text}, {"changed_in_window", recent}}));
  }
}

void firewall(HuntContext& ctx, std::vector<Finding>& out) {
  if (auto t = ctx.host.read("/etc/ufw/ufw.conf", 65536)) {
    for (auto& d : parse_directives(t->data, "="))
      if (d.key == "enabled" && first_word_lower(d.value) == "no") {
        bool recent = changed_in_window(ctx, "/etc/ufw/ufw.conf");
        auto rules = ctx.host.read("/etc/ufw/user.rules", 1 << 20);
        bool had_rules = rules && rules->data.find("### tuple ###") != std::string::npos;
        if (recent || had_rules)
          out.push_back(tampered(recent ? Severity::high : Severity::medium,
                                 "ufw is disabled although rules are configured", "/etc/ufw/ufw.conf", d.line,
                                 {{"changed_in_window", recent}, {"user_rules", had_rules}}));
      }
  }
  // Saved iptables rules but no iptables table loaded in the running kernel: flushed (where readable).
  auto saved = ctx.host.read("/etc/iptables/rules.v4", 4 << 20);
  if (saved && saved->data.find("\n-A ") != std::string::npos && ctx.host.proc_is_live()) {
    auto names = ctx.host.read_proc("net/ip_tables_names", 4096);
    if (names && trim(names->data).empty())
      out.push_back(tampered(Severity::medium, "saved iptables rules are not loaded (flushed?)",
                             "/etc/iptables/rules.v4", std::nullopt, {{"loaded_tables", ""}}));
  }
}

void nmi_watchdog(HuntContext& ctx, std::vector<Finding>& out) {
  std::vector<std::string> files = {"/etc/sysctl.conf"};
  for (auto* dir : {"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d", "/lib/sysctl.d"})
    for (auto& e : ctx.host.list(dir))
      if (e.name.ends_with(".conf")) files.push_back(std::string(dir) + "/" + e.name);
  bool in_files = false;
  for (auto& path : files) {
    auto t = ctx.host.read(path, 1 << 20);
    if (!t) continue;
    for (auto& d : parse_directives(t->data, "=")) {
      auto key = d.key;
      std::replace(key.begin(), key.end(), '/', '.');
      if (key == "kernel.nmi_watchdog" && first_word_lower(d.value) == "0") {
        in_files = true;
        out.push_back(tampered(Severity::medium, "sysctl file disables the NMI watchdog (kernel.nmi_watchdog=0)", path,
                               d.line, {{"setting", d.text}}));
      }
    }
  }
  if (!in_files && ctx.host.has_proc())
    if (auto v = ctx.host.read_proc("sys/kernel/nmi_watchdog", 64); v && trim(v->data) == "0")
      out.push_back(tampered(Severity::info, "the NMI watchdog is off at runtime (many VMs run without it)", "",
                             std::nullopt, {{"runtime", "kernel.nmi_watchdog = 0"}}));
}

}  // namespace

std::optional<std::string> last_setting(const std::vector<std::string>& texts, std::string_view key) {
  std::optional<std::string> v;
  auto k = to_lower(key);
  for (auto& t : texts)
    for (auto& d : parse_directives(t, "="))
      if (d.key == k) v = first_word_lower(d.value);
  return v;
}

std::vector<Finding> check_security_tampering(HuntContext& ctx) {
  std::vector<Finding> out;
  journald(ctx, out);
  auditd(ctx, out);
  selinux(ctx, out);
  firewall(ctx, out);
  nmi_watchdog(ctx, out);
  return out;
}

}  // namespace unmine
