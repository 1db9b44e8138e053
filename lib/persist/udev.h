#pragma once
// udev rules: RUN+= / PROGRAM= / IMPORT{program}= run a command as root on every matching device event.
#include "persist/scan_context.h"

namespace unmine {

struct UdevCommand {
  int line = 0;
  std::string key;    // RUN, PROGRAM, IMPORT
  std::string value;  // the command
  std::string_view text;
};

struct UdevParse {
  std::vector<UdevCommand> commands;
  std::vector<LineAnomaly> anomalies;
};

UdevParse parse_udev_rules(std::string_view text);

void scan_udev(ScanContext& ctx);

}  // namespace unmine
