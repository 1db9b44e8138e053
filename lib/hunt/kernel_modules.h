#pragma once
// Loaded kernel modules against what the running kernel ships (modules.dep / modules.builtin under the
// root), names of known rootkits, and modules present in /sys/module but hidden from /proc/modules.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "hunt/hunt_context.h"
#include "model/finding.h"

namespace unmine {

struct LoadedModule {
  std::string name;
  std::string state;  // Live, Loading, Unloading
  std::string taint;  // "(OE)" and the like, when shown
};
std::vector<LoadedModule> parse_proc_modules(std::string_view text);
// Module names (dashes as underscores) of modules.dep or modules.builtin.
std::set<std::string> parse_modules_dep(std::string_view text);
std::string module_name(std::string_view name_or_path);

std::vector<Finding> check_kernel_modules(HuntContext& ctx);

}  // namespace unmine
