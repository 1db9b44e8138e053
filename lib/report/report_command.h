#pragma once
// `unmine report`: the case as md, html, json, stix or timeline, on stdout or into a file. Reads only the
// case (no host), records no step.
#include <string>

#include "app/context.h"

namespace unmine {

struct ReportCommandOptions {
  std::string format;  // md | html | json | stix | timeline; empty: json under --json, else md
  std::string output;  // -o FILE; empty: stdout
  double cost_per_vcpu_hour = 0.05;
  std::string currency = "USD";
};

ExitCode run_report(Context& ctx, const ReportCommandOptions& options);

}  // namespace unmine
