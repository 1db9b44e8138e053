#pragma once
// The verify flow behind `unmine verify`: one check, --watch (repeated checks in the foreground),
// --schedule / --unschedule (the recurring check installed on the host), and --expire-after (a scheduled
// run past its window removes its own schedule). It takes what it works with explicitly and renders
// through the command's Output; the command binds options.
#include <string>

#include "actions/effects.h"
#include "case/case_store.h"
#include "core/error.h"
#include "host/host_root.h"
#include "host/system_tool.h"
#include "out/output.h"
#include "playbook/playbook.h"

namespace unmine {

struct VerifyOptions {
  bool watch = false;
  bool until_found = false;
  bool schedule = false;
  bool unschedule = false;
  bool apply = false;  // --schedule / --unschedule change the host only with --apply
  std::string every = "1h";
  std::string window = "72h";
  std::string expire_after;        // ISO 8601 UTC
  std::string scheduler = "auto";  // auto | systemd | cron
};

struct VerifyDeps {
  const HostRoot& host;
  const Playbook& playbook;
  CaseStore& store;
  Effects& effects;         // the schedule's files and systemctl
  const ToolRunner& tools;  // read-only: the firewall listing
  const Output& out;
};

// What the playbook step records: one line, and "planned" for a dry run (empty: done or failed by the exit code).
struct VerifyStep {
  std::string outcome;
  std::string status;
};

// Options that exclude each other are a UsageError before anything runs.
ExitCode run_verify(const VerifyDeps& deps, const VerifyOptions& options, VerifyStep& step);

}  // namespace unmine
