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

void scan_sysctl(ScanContext& ctx);

}  // namespace unmine
