#pragma once
// What every subcommand gets: the global options and, built on first use, the host seam, the playbook,
// the case and the effects. main owns it; cmd/X.cpp binds options and hands a lib/ flow what it needs from
// it (flows take their dependencies explicitly, never the Context).
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "actions/effects.h"
#include "case/case_store.h"
#include "core/error.h"
#include "host/host_root.h"
#include "out/output.h"
#include "playbook/playbook.h"

namespace unmine {

struct GlobalOptions {
  std::string root = "/";
  std::string proc;
  std::string sys;
  std::string case_dir;  // empty: $UNMINE_CASE, else ./unmine-case
  std::string playbook_dir;
  bool json = false;
  bool apply = false;
};

class Context {
 public:
  GlobalOptions opt;
  std::vector<std::string> argv;

  // The command to run once options are parsed (set by the subcommand's callback).
  std::function<ExitCode()> run;
  // Playbook step this command records (empty: it records none, e.g. status, report).
  std::string step;
  // Set by the command: one line for `status` and the report, and the step's status when it is not
  // simply done/failed (e.g. "planned" for a dry run).
  std::string outcome;
  std::string step_status;

  const Output& out();
  const HostRoot& host();
  const Playbook& playbook();
  CaseStore& case_store();
  // The case for a command that only reads it: "no case at DIR" instead of creating one.
  CaseStore& existing_case();
  bool case_open() const { return bool(case_); }
  std::string case_dir() const;
  CaseLayout case_layout() const { return CaseLayout(case_dir()); }
  // Where the case folder sits inside the root, so scans of the host skip the evidence it preserved.
  std::optional<std::string> case_inside_root() const;
  Effects& effects();
  // Read-only runs of system tools (hunt's journal, verify's firewall listing); never changes the host.
  const ToolRunner& tools() const { return tools_; }
  // Tests and dry runs swap in a RecordingEffects.
  void set_effects(std::unique_ptr<Effects> e) { effects_ = std::move(e); }

 private:
  std::optional<Output> out_;
  std::unique_ptr<HostRoot> host_;
  std::optional<Playbook> playbook_;
  std::unique_ptr<CaseStore> case_;
  std::unique_ptr<Effects> effects_;
  ToolRunner tools_ = system_tools();
};

}  // namespace unmine
