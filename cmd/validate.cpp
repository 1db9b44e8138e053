// unmine validate: the first 15 minutes. Is this mining? Processes, sockets, names, persistence and tuning
// become findings and the attack-chain verdict; the exit code says how bad (contract exit codes).
#include "case/detection_record.h"
#include "case/indicators_store.h"
#include "cmd/commands.h"
#include "core/error.h"
#include "core/text.h"
#include "detect/ioc_sweep.h"
#include "detect/triage.h"
#include "hunt/window.h"

namespace unmine {
namespace {

nlohmann::json document(const TriageResult& r) {
  nlohmann::json miners = nlohmann::json::array(), notes = nlohmann::json::array();
  for (auto& m : r.miners) miners.push_back(m.to_json());
  for (auto& n : r.notes) notes.push_back(terminal_safe(n));  // notes may hold names already printable()
  return {{"verdict", r.verdict.to_json()},
          {"findings", findings_json(r.findings)},
          {"miners", miners},
          {"notes", notes},
          {"complete", r.complete},
          {"persistence", {{"window", r.window.to_json()}, {"inventory", r.inventory.to_json()}}}};
}

void print_miners(const Output& out, const std::vector<MinerInfo>& miners) {
  if (miners.empty()) return;
  std::vector<std::vector<std::string>> rows;
  for (auto& m : miners) {
    std::string pools, wallets;
    for (auto& p : m.pools) pools += (pools.empty() ? "" : " ") + p.host + ":" + std::to_string(p.port);
    for (auto& w : m.wallets) wallets += (wallets.empty() ? "" : " ") + w.address.substr(0, 12) + "… (" + w.coin + ")";
    rows.push_back({std::to_string(m.proc.pid), printable(m.proc.user),
                    printable(m.proc.exe) + (m.proc.exe_deleted ? " (deleted)" : ""),
                    m.family + (m.version ? " " + printable(*m.version) : ""), printable(pools), printable(wallets)});
  }
  out.text("\n" + out.bold("Miners") + "\n");
  out.table({"PID", "USER", "EXE", "FAMILY", "POOLS", "WALLETS"}, rows);
}

ExitCode run_validate(Context& ctx, const std::string& since, const std::string& iocs_file) {
  auto& out = ctx.out();
  std::optional<IocSet> iocs;
  TriageOptions options;
  if (!since.empty()) {
    options.since = parse_since(since, ::time(nullptr));
    if (!options.since)
      throw UsageError("--since " + since + ": expected an ISO time (2026-11-20T10:00:00Z) or a span (48h, 7d)");
  }
  options.first_sign = first_incident_sign(ctx.case_store());
  if (!iocs_file.empty()) {
    iocs = read_ioc_file(iocs_file);
    options.sweep = iocs->indicators();
  }
  out.progress("validate: reading processes, sockets, names, persistence and tuning");
  auto result = run_triage(ctx.host(), ctx.playbook(), options);
  if (iocs) {
    out.progress("validate: sweeping for " + std::to_string(iocs->iocs.size()) + " IoCs");
    std::vector<std::string> skip;
    if (auto inside = ctx.case_inside_root()) skip.push_back(*inside);
    apply_ioc_sweep(result, ctx.host(), *iocs, skip);
  }
  out.progress_done();
  record_triage(ctx.case_store(), result, "validate");

  ctx.outcome = result.verdict.case_name + ": " + std::to_string(result.findings.size()) + " finding(s), " +
                std::to_string(result.miners.size()) + " miner(s)";
  if (out.json()) {
    out.document(document(result));
  } else {
    print_findings(out, result.findings);
    print_miners(out, result.miners);
    auto sev = result.verdict.severity ? std::string(to_string(*result.verdict.severity)) : std::string("none");
    out.text("\n" + out.bold("Verdict: " + result.verdict.case_name) + " (" +
             (result.verdict.severity ? out.severity(*result.verdict.severity) : sev) + ")\n");
    if (!result.complete) print_cut_short(out, "validate");
  }
  for (auto& n : result.notes) out.note("note: " + terminal_safe(n));
  out.note(result.inventory.describe(result.window));
  return exit_code_for(result.verdict.severity);
}

}  // namespace

void add_validate(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand(
      "validate", "is this mining? processes, sockets, DNS/hosts, persistence and tuning -> findings and verdict");
  auto since = std::make_shared<std::string>(), iocs = std::make_shared<std::string>();
  sub->add_option("--since", *since,
                  "start of the compromise window persistence entries are new in: ISO time or a span back from now "
                  "(48h, 7d); default the case's first sign, else the last 30 days");
  sub->add_option("--iocs", *iocs,
                  "also report anything matching these indicators (a `case iocs` file from another host)");
  sub->callback([&ctx, since, iocs] {
    ctx.step = "validate";
    ctx.run = [&ctx, since, iocs]() -> ExitCode { return run_validate(ctx, *since, *iocs); };
  });
}

}  // namespace unmine
