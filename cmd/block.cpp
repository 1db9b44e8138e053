// unmine block: drop the pools and stratum ports (nft), sinkhole pool domains, export for other layers.

#include <cstdlib>

#include "actions/block.h"
#include "actions/block_flow.h"
#include "cmd/commands.h"
#include "core/text.h"

namespace unmine {
namespace {

using nlohmann::json;

struct BlockOptions {
  bool remove = false;
  BlockRequest request;
  std::string export_format;
  std::string output;
};

void print_actions(const Output& out, const json& actions) {
  std::vector<std::vector<std::string>> rows;
  for (auto& a : actions)
    rows.push_back({std::to_string(a["id"].get<int64_t>()), a["kind"].get<std::string>(),
                    a["status"].get<std::string>(), printable(block_target_text(a["target"])),
                    a.contains("error") ? a["error"].get<std::string>() : ""});
  out.table({"ID", "KIND", "STATUS", "TARGET", "NOTE"}, rows);
}

void print_plan(const Output& out, const json& items) {
  std::vector<std::vector<std::string>> rows;
  for (auto& p : items) rows.push_back({p["kind"], printable(block_target_text(p["target"])), p["reason"]});
  out.table({"KIND", "TARGET", "REASON"}, rows);
}

// What follows the plan or the actions: the addresses kept, the findings, where the export went.
void print_outcome(const Output& out, const BlockPlan& plan, const std::vector<Finding>& findings,
                   const json& export_info, const BlockOptions& o) {
  out.text(kept_summary(plan));
  if (!findings.empty()) print_findings(out, findings);
  if (!export_info.is_null()) out.text("Export " + o.export_format + " written to " + o.output + "\n");
}

ExitCode run_remove(Context& ctx) {
  auto& out = ctx.out();
  auto& store = ctx.case_store();
  if (!ctx.opt.apply) {
    ctx.step_status = "planned";
    auto plan = removal_plan(store);
    ctx.outcome = "planned removal of " + std::to_string(plan.size()) + " block action(s)";
    if (out.json()) {
      out.document({{"plan", plan}, {"notes", json::array()}});
    } else if (plan.empty()) {
      out.text("No block of this case is in force.\n");
    } else {
      print_plan(out, plan);
      out.text("Dry run: nothing changed. Add --apply to remove.\n");
    }
    return ExitCode::ok;
  }
  auto result = remove_block(ctx.host(), store, ctx.effects(), BlockTargets{ctx.host().proc_is_live()});
  for (auto& n : result.notes) out.note(n);
  ctx.outcome = "removed " + std::to_string(result.actions.size()) + " block layer(s)" +
                (result.failed() ? " (with failures)" : "");
  if (out.json()) {
    out.document({{"actions", result.actions}, {"counters", counters_json(result.counters)}, {"notes", result.notes}});
  } else {
    if (result.actions.empty())
      out.text("No block of this case is in force.\n");
    else
      print_actions(out, result.actions);
    if (!result.counters.empty()) out.text("Dropped while in force: " + counters_text(result.counters) + "\n");
  }
  return result.failed() ? ExitCode::runtime : ExitCode::ok;
}

ExitCode run_block(Context& ctx, const BlockOptions& o) {
  if (o.remove) return run_remove(ctx);
  auto& out = ctx.out();
  if (!o.export_format.empty() && o.output.empty() && ctx.opt.apply && !out.json())
    throw UsageError("--export without -o writes to stdout: give -o FILE to combine it with --apply");
  std::vector<std::string> notes;
  auto& store = ctx.case_store();
  auto plan = plan_block_for_case(ctx.host(), ctx.playbook(), store, o.request, notes);
  for (auto& n : notes) out.note(n);
  // Without -o, a dry run's export is the output: a file to pipe into the other layer's configuration.
  bool export_is_output = !o.export_format.empty() && o.output.empty() && !out.json() && !ctx.opt.apply;
  std::string export_text = o.export_format.empty() ? "" : block_export_text(store, plan, o.export_format);
  json export_info =
      o.export_format.empty() || export_is_output ? json() : write_block_export(o.export_format, export_text, o.output);
  if (!ctx.opt.apply) {
    ctx.step_status = "planned";
    store.record_findings(plan.rejected, store.current_step());
    if (export_is_output) {
      std::fwrite(export_text.data(), 1, export_text.size(), stdout);
      ctx.outcome = "exported " + o.export_format;
      return ExitCode::ok;
    }
    ctx.outcome = "planned: " + plan_summary(plan);
    if (out.json()) {
      out.document(block_plan_document(plan, notes, export_info));
      return ExitCode::ok;
    }
    print_plan(out, plan_items(plan));
    print_outcome(out, plan, plan.rejected, export_info, o);
    out.text("Dry run: nothing changed. Add --apply to block.\n");
    return ExitCode::ok;
  }

  BlockResult result;
  auto findings = apply_block_plan(ctx.host(), store, ctx.effects(), plan, result);
  for (auto& n : result.notes) out.note(n);
  ctx.outcome = "block applied: " + std::to_string(result.count("done")) + " layer(s) changed" +
                (result.failed() ? ", with failures" : "");
  if (out.json()) {
    out.document(block_apply_document(plan, findings, result, notes, export_info));
  } else {
    print_actions(out, result.actions);
    print_outcome(out, plan, findings, export_info, o);
    if (!result.counters.empty()) out.text("Counters: " + counters_text(result.counters) + "\n");
  }
  return result.failed() ? ExitCode::runtime : ExitCode::ok;
}

}  // namespace

void add_block(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<BlockOptions>();
  auto* sub =
      app.add_subcommand("block", "block mining-pool domains and stratum ports at firewall, DNS and proxy layers");
  auto* remove = sub->add_flag("--remove", o->remove, "roll back what this case blocked (with --apply)");
  // --remove removes what this case blocked: it takes nothing to block.
  remove->excludes(sub->add_option("--export", o->export_format,
                                   "write the block for another layer: hosts, dnsmasq, unbound, rpz, nft, "
                                   "iptables, ip6tables, squid, suricata"));
  sub->add_option("-o,--output", o->output, "file for --export (default: stdout)");
  remove->excludes(sub->add_option("--host", o->request.hosts, "a pool host name to sinkhole (repeatable)"));
  remove->excludes(sub->add_option("--ip", o->request.ips, "a pool address to drop (repeatable)"));
  sub->add_flag("--whole-address", o->request.whole_address,
                "drop every port to the pool addresses (pools often share addresses with other services)");
  sub->callback([&ctx, o] {
    ctx.step = "block";
    if (const char* ssh = std::getenv("SSH_CONNECTION")) o->request.ssh_connection = ssh;
    ctx.run = [&ctx, o]() -> ExitCode { return run_block(ctx, *o); };
  });
}

}  // namespace unmine
