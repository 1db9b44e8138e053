#include <memory>

#include "actions/unpersist_flow.h"
#include "cmd/commands.h"
#include "core/error.h"
#include "core/text.h"
#include "detect/verdict.h"
#include "hunt/window.h"

namespace unmine {
namespace {

void print_actions(const Output& out, const std::vector<UnpersistResult>& results) {
  std::vector<std::vector<std::string>> rows;
  rows.reserve(results.size());
  for (auto& r : results)
    rows.push_back({std::to_string(r.id), r.kind, unpersist_target_text(r.target), r.status,
                    r.evidence_id ? std::to_string(*r.evidence_id) : "-",
                    printable(r.error.empty() ? r.note : r.error)});
  out.table({"ACTION", "KIND", "TARGET", "STATUS", "EVIDENCE", "NOTE"}, rows);
}

ExitCode undo(Context& ctx, int64_t action_id) {
  auto& store = ctx.case_store();
  settle_pending_unpersist(store, ctx.host(), ctx.effects());
  auto r = undo_unpersist(action_id, store, ctx.host(), ctx.effects());
  ctx.outcome = r.status == "done" ? "undid action " + std::to_string(action_id)
                                   : "action " + std::to_string(action_id) + ": " + r.note;
  auto& out = ctx.out();
  if (out.json())
    out.document(unpersist_apply_document("undo", {r}, nullptr));
  else
    print_actions(out, {r});
  return ExitCode::ok;
}

ExitCode unpersist(Context& ctx, const std::string& since_text) {
  std::optional<int64_t> since;
  if (!since_text.empty()) {
    since = parse_since(since_text, ::time(nullptr));
    if (!since)
      throw UsageError("--since " + since_text + ": expected an ISO time (2026-11-20T10:00:00Z) or a span (48h, 7d)");
  }
  auto& out = ctx.out();
  auto& store = ctx.case_store();
  auto p = plan_unpersist_for_case(ctx.host(), ctx.playbook(), store, since, ::time(nullptr), out.notices());
  auto& plan = p.plan;

  if (!ctx.opt.apply) {
    ctx.step_status = "planned";
    ctx.outcome = std::to_string(plan.items.size()) + " artifact(s) to neutralise";
    if (out.json()) {
      out.document(unpersist_plan_document(p));
    } else {
      print_findings(out, plan.scan.findings);
      if (plan.items.empty()) {
        out.text("\nNothing tied to the incident to neutralise.\n");
      } else {
        std::vector<std::vector<std::string>> rows;
        for (auto& it : plan.items)
          rows.push_back(
              {it.action_kind, it.artifact.kind, unpersist_target_text(it.target()), it.rule, it.artifact.finding_id});
        out.text("\nPlan (nothing changed; run with --apply to preserve and neutralise):\n");
        out.table({"ACTION", "KIND", "TARGET", "RULE", "FINDING"}, rows);
      }
    }
    return exit_code_for(highest(plan.scan.findings));
  }

  int settled = settle_pending_unpersist(store, ctx.host(), ctx.effects());
  if (settled) out.note("settled " + std::to_string(settled) + " action(s) left pending by an interrupted run");
  auto results = apply_unpersist(plan, store, ctx.host(), ctx.effects());
  int done = 0, failed = 0;
  for (auto& r : results) done += r.status == "done", failed += r.status == "failed";
  ctx.outcome = std::to_string(done) + " neutralised, " + std::to_string(failed) + " failed, " +
                std::to_string(results.size() - done - failed) + " skipped";
  if (out.json())
    out.document(unpersist_apply_document("apply", results, &p));
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
