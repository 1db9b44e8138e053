#include <memory>

#include "actions/unpersist.h"
#include "case/indicators_store.h"
#include "cmd/commands.h"
#include "core/error.h"
#include "core/text.h"
#include "detect/triage.h"
#include "detect/verdict.h"
#include "hunt/window.h"

namespace unmine {
namespace {

std::string where(const nlohmann::json& target) {
  std::string s = target.value("path", "");
  if (target.contains("line")) s += ":" + std::to_string(target["line"].get<int>());
  if (target.contains("unit")) s += " (" + target["unit"].get<std::string>() + ")";
  return s;
}

void print_actions(const Output& out, const std::vector<UnpersistResult>& results) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(results.size());
  for (auto& r : results)
    rows.push_back({std::to_string(r.id), r.kind, where(r.target), r.status,
                    r.evidence_id ? std::to_string(*r.evidence_id) : "-",
                    printable(r.error.empty() ? r.note : r.error)});
  out.table({"ACTION", "KIND", "TARGET", "STATUS", "EVIDENCE", "NOTE"}, rows);
}

nlohmann::json results_json(const std::vector<UnpersistResult>& results) {
  nlohmann::json a = nlohmann::json::array();
  for (auto& r : results) a.push_back(r.to_json());
  return a;
}

ExitCode undo(Context& ctx, int64_t action_id) {
  auto& store = ctx.case_store();
  settle_pending_unpersist(store, ctx.host(), ctx.effects());
  auto r = undo_unpersist(action_id, store, ctx.host(), ctx.effects());
  ctx.outcome = r.status == "done" ? "undid action " + std::to_string(action_id)
                                   : "action " + std::to_string(action_id) + ": " + r.note;
  auto& out = ctx.out();
  if (out.json())
    out.document({{"mode", "undo"}, {"actions", results_json({r})}});
  else
    print_actions(out, {r});
  return ExitCode::ok;
}

ExitCode unpersist(Context& ctx, const std::string& since_text) {
  auto& out = ctx.out();
  auto& store = ctx.case_store();
  auto& host = ctx.host();
  // The live miners (if still running) and what earlier steps recorded: it works after the kill.
  TriageOptions topt;
  topt.persistence = false;
  auto live = run_triage(host, ctx.playbook(), topt);
  auto incident = load_indicators(store);
  if (!live.indicators.empty()) {
    CaseStore::Transaction tx(store);
    record_indicators(store, live.indicators, "unpersist");
    tx.commit();
    incident.merge(live.indicators);
  }
  if (incident.empty())
    out.note(
        "no incident indicators (no live miner, none recorded in the case): only the playbook's rules tie artifacts");

  std::optional<int64_t> since;
  if (!since_text.empty()) {
    since = parse_since(since_text, ::time(nullptr));
    if (!since)
      throw UsageError("--since " + since_text + ": expected an ISO time (2026-11-20T10:00:00Z) or a span (48h, 7d)");
  }
  auto sign = first_incident_sign(store);
  for (auto& m : live.miners)
    if (m.proc.started_at > 0 && (!sign || m.proc.started_at < sign->first))
      sign = std::make_pair(m.proc.started_at, "miner pid " + std::to_string(m.proc.pid) + " started");
  auto window = persistence_window(since, sign, ::time(nullptr));
  auto plan = plan_unpersist(host, ctx.playbook(), incident, window);
  auto& inv = plan.scan.inventory;
  out.note(inv.describe(window) + "; only tied and malicious entries are neutralised");
  nlohmann::json weak = nlohmann::json::array();
  for (auto& w : plan.scan.weak_indicators) weak.push_back(printable(w));
  if (!weak.empty())
    out.note("too common to tie anything alone (only with the miner's path, folder, hash, wallet, pool or config): " +
             printable(joined(plan.scan.weak_indicators)));
  store.record_findings(plan.scan.findings, store.current_step());
  for (auto& a : plan.scan.anomalies)
    out.note(terminal_safe(a.path + (a.line ? ":" + std::to_string(*a.line) : std::string()) + ": " + a.message));
  nlohmann::json findings = nlohmann::json::array(), anomalies = nlohmann::json::array();
  for (auto& f : plan.scan.findings) findings.push_back(f.to_json());
  for (auto& a : plan.scan.anomalies) anomalies.push_back(a.to_json());

  if (!ctx.opt.apply) {
    nlohmann::json items = nlohmann::json::array();
    std::vector<std::vector<std::string>> rows;
    for (auto& it : plan.items) {
      items.push_back({{"kind", it.action_kind}, {"target", it.target()}, {"reason", it.artifact.finding_id}});
      rows.push_back({it.action_kind, it.artifact.kind, where(it.target()), it.rule, it.artifact.finding_id});
    }
    ctx.step_status = "planned";
    ctx.outcome = std::to_string(plan.items.size()) + " artifact(s) to neutralise";
    if (out.json()) {
      out.document({{"mode", "plan"},
                    {"plan", items},
                    {"findings", findings},
                    {"anomalies", anomalies},
                    {"indicators", incident.to_json()},
                    {"weak_indicators", weak},
                    {"systemd_live", plan.systemd_live},
                    {"window", window.to_json()},
                    {"inventory", inv.to_json()}});
    } else {
      print_findings(out, plan.scan.findings);
      if (plan.items.empty())
        out.text("\nNothing tied to the incident to neutralise.\n");
      else {
        out.text("\nPlan (nothing changed; run with --apply to preserve and neutralise):\n");
        out.table({"ACTION", "KIND", "TARGET", "RULE", "FINDING"}, rows);
      }
    }
    return exit_code_for(highest(plan.scan.findings));
  }

  int settled = settle_pending_unpersist(store, host, ctx.effects());
  if (settled) out.note("settled " + std::to_string(settled) + " action(s) left pending by an interrupted run");
  auto results = apply_unpersist(plan, store, host, ctx.effects());
  int done = 0, failed = 0;
  for (auto& r : results) done += r.status == "done", failed += r.status == "failed";
  ctx.outcome = std::to_string(done) + " neutralised, " + std::to_string(failed) + " failed, " +
                std::to_string(results.size() - done - failed) + " skipped";
  if (out.json())
    out.document(
        {{"mode", "apply"}, {"actions", results_json(results)}, {"findings", findings}, {"anomalies", anomalies}});
  else if (results.empty())
    out.text("Nothing tied to the incident to neutralise.\n");
  else
    print_actions(out, results);
  return failed ? ExitCode::runtime : ExitCode::ok;
}

}  // namespace

void add_unpersist(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand(
      "unpersist", "find persistence tied to the miner; with --apply preserve it, then neutralise it; --undo restores");
  auto undo_id = std::make_shared<int64_t>(0);
  auto since = std::make_shared<std::string>();
  sub->add_option("--since", *since,
                  "start of the compromise window entries are new in: ISO time or a span back from now (48h, 7d); "
                  "default the case's first sign, else the last 30 days");
  sub->add_option("--undo", *undo_id, "restore what unpersist action ACTION_ID changed, byte for byte")
      ->transform(whole_number("an action ID"));
  sub->callback([&ctx, undo_id, since] {
    ctx.step = "unpersist";
    ctx.run = [&ctx, undo_id, since]() { return *undo_id > 0 ? undo(ctx, *undo_id) : unpersist(ctx, *since); };
  });
}

}  // namespace unmine
