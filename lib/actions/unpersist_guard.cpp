// The last guard before unpersist changes the host: whatever the plan says (a rule that matched too much,
// a crafted case), nothing the host needs is neutralised. No option lifts it.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "actions/file_state.h"
#include "actions/host_needs.h"
#include "actions/unpersist.h"
#include "core/error.h"
#include "core/text.h"
#include "host/dpkg_db.h"
#include "host/process_source.h"

namespace unmine {
namespace {

namespace fs = std::filesystem;

bool same_or_under(const fs::path& p, const fs::path& dir) {
  auto rel = p.lexically_relative(dir);
  return !rel.empty() && *rel.begin() != "..";
}

std::optional<std::string> own_file(const HostRoot& host, const std::string& path, const HostNeeds& needs) {
  std::error_code ec;
  auto analyst = fs::weakly_canonical(host.host_path(path), ec);
  if (ec) return std::nullopt;
  for (auto& [own, why] : needs.own_paths)
    if (same_or_under(analyst, own)) return why;
  return std::nullopt;
}

bool removes_whole(const UnpersistItem& it) {
  return it.action_kind != "unpersist.line" && it.action_kind != "unpersist.entry";
}

}  // namespace

std::optional<std::string> harm_in(const UnpersistItem& it, const HostRoot& host, const DpkgDatabase& dpkg,
                                   const HostNeeds& needs) {
  auto& a = it.artifact;
  std::vector<std::string> touched = {a.path};
  if (removes_whole(it)) touched.insert(touched.end(), a.links.begin(), a.links.end());
  for (auto& p : touched)
    if (auto why = own_file(host, p, needs)) return printable(p) + ": " + *why;

  auto pkg = dpkg.lookup(host, a.path);
  if (pkg.state == PackageFileState::unmodified)
    return printable(a.path) + ": an unmodified file of package " + printable(pkg.package) + " (its MD5 is dpkg's)";
  for (auto& p : {a.path, pkg.path})
    if (auto e = needs.executables.find(p); e != needs.executables.end()) return printable(a.path) + ": " + e->second;

  // The unit file of what the host needs, or the links that enable it. A drop-in (unit.d/x.conf) is not the
  // unit, and a line taken out of a changed package unit brings back the package's own file.
  bool dropin = parent_dir(a.path).ends_with(".d");
  bool repairs_package_file = !removes_whole(it) && pkg.state == PackageFileState::modified;
  if (a.kind == "systemd" && !dropin && !repairs_package_file) {
    for (const auto& name : {a.unit.value_or(""), std::string(base_name(a.path))})
      if (auto u = needs.units.find(name); !name.empty() && u != needs.units.end())
        return printable(a.path) + ": " + u->second;
  }
  if (removes_whole(it))
    for (auto& l : a.links)
      if (auto u = needs.units.find(std::string(base_name(l))); u != needs.units.end())
        return printable(l) + ": " + u->second;
  return std::nullopt;
}

namespace {

HostNeeds live_host_needs(const HostRoot& host, const fs::path& case_dir) {
  std::vector<Process> table;
  int self_pid = 0;
  if (host.has_proc()) table = LiveProcesses(host, kProcCgroup).all();
  if (host.proc_is_live()) self_pid = static_cast<int>(::getpid());
  std::map<std::string, std::string> own;
  std::error_code ec;
  auto exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) own.emplace(exe.string(), "unmine's own executable");
  auto dir = fs::weakly_canonical(case_dir, ec);
  if (!ec) own.emplace(dir.string(), "unmine's case folder");
  bool ssh = host.is_live_root() && std::getenv("SSH_CONNECTION") != nullptr;
  return host_needs(table, self_pid, ssh, own);
}

}  // namespace

void guard_unpersist(const UnpersistPlan& plan, const HostRoot& host, const fs::path& case_dir) {
  if (plan.items.empty()) return;
  auto dpkg = DpkgDatabase::load(host);
  auto needs = live_host_needs(host, case_dir);
  std::string refused;
  for (auto& it : plan.items)
    if (auto why = harm_in(it, host, dpkg, needs)) refused += "\n  " + *why;
  if (!refused.empty())
    throw SafetyRefusal("unpersist refused, nothing was changed: the plan would neutralise what the host needs" +
                        refused +
                        "\nNo option lifts this; if one of these truly is the attacker's, remove it by hand.");
}

}  // namespace unmine
