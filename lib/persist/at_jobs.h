#pragma once
// at jobs: one shell script per job (/var/spool/cron/atjobs on Debian, /var/spool/at elsewhere), written by
// at(1): a header naming the submitter, their environment, a `cd` guard, then the commands.
#include <optional>
#include <string_view>
#include <vector>

#include "persist/scan_context.h"

namespace unmine {

struct AtJobLine {
  int line = 0;
  std::string_view text;
  bool command = false;  // after the cd guard: what the submitter asked to run (else environment)
};

struct AtJob {
  std::optional<long> uid;
  std::vector<AtJobLine> lines;  // non-empty, non-comment lines
  std::vector<LineAnomaly> anomalies;
};

AtJob parse_at_job(std::string_view text);

void scan_at_jobs(ScanContext& ctx);

}  // namespace unmine
