#pragma once
// `unmine report`: the case in one of the report formats (formats.h), on stdout or into a file. Reads only
// the case (no host), records no step.
#include <string>

#include "case/case_store.h"
#include "core/error.h"
#include "out/output.h"
#include "playbook/playbook.h"

namespace unmine {

struct ReportCommandOptions {
  std::string format;  // md | html | json | stix | timeline; empty: json under --json, else md
  std::string output;  // -o FILE; empty: stdout
  double cost_per_vcpu_hour = 0.05;
  std::string currency = "USD";
};

// Writes a report or export document to `path`, readable by owner and group only (it names the incident).
void write_output(const std::string& path, const std::string& content);

// The case is opened by the caller (Context::existing_case: reading never creates one).
ExitCode run_report(const CaseStore& store, const Playbook& playbook, const Output& out,
                    const ReportCommandOptions& options);

}  // namespace unmine
