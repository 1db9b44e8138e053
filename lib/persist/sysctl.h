#pragma once
// sysctl files that reserve huge pages (vm.nr_hugepages), the tuning RandomX miners ask for.
#include "persist/scan_context.h"

namespace unmine {

struct SysctlSetting {
  int line = 0;
  std::string key;  // dotted ("vm.nr_hugepages"), a leading '-' dropped
  std::string value;
  std::string_view text;
};

struct SysctlParse {
  std::vector<SysctlSetting> settings;
  std::vector<LineAnomaly> anomalies;
};

SysctlParse parse_sysctl_conf(std::string_view text);

// Where settings that survive a reboot live (systemd-sysctl): this file, then *.conf in these folders.
inline constexpr std::string_view kSysctlConf = "/etc/sysctl.conf";
inline constexpr std::string_view kSysctlFolders[] = {"/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d",
                                                      "/usr/lib/sysctl.d", "/lib/sysctl.d"};

void scan_sysctl(ScanContext& ctx);

}  // namespace unmine
