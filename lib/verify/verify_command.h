#pragma once
// `unmine verify`: one check, --watch (repeated checks in the foreground), --schedule / --unschedule
// (the recurring check installed on the host), and --expire-after (a scheduled run past its window
// removes its own schedule).
#include <string>

#include "app/context.h"

namespace unmine {

struct VerifyOptions {
  bool watch = false;
  bool until_found = false;
  bool schedule = false;
  bool unschedule = false;
  std::string every = "1h";
  std::string window = "72h";
  std::string expire_after;        // ISO 8601 UTC
  std::string scheduler = "auto";  // auto | systemd | cron
};

ExitCode run_verify(Context& ctx, const VerifyOptions& options);

}  // namespace unmine
