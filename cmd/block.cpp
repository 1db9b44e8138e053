// unmine block: drop the incident's pools and the stratum ports at the firewall (nftables table inet unmine),
// sinkhole pool domains in the hosts file, and export the same block for layers this host does not own.

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
  if (o.remove) {
    if (!o.request.hosts.empty() || !o.request.ips.empty() || !o.export_format.empty())
      throw UsageError("--remove takes no --host, --ip or --export: it removes what this case blocked");
    return run_remove(ctx);
  }
  auto& out = ctx.out();
  if (!o.export_format.empty() && o.output.empty() && ctx.opt.apply && !out.json())
    throw UsageError("--export without -o writes to stdout: give -o FILE to combine it with --apply");
  std::vector<std::string> notes;
  auto& store = ctx.case_store();
  auto request = o.request;
  if (const char* ssh = std::getenv("SSH_CONNECTION")) request.ssh_connection = ssh;
  auto plan = plan_block_for_case(ctx.host(), ctx.playbook(), store, request, notes);
  json export_info;
  if (!o.export_format.empty()) {
    auto text = block_export_text(store, plan, o.export_format);
    if (o.output.empty() && !out.json() && !ctx.opt.apply) {
      // The export is the output: a file to pipe into the other layer's configuration.
      for (auto& n : notes) out.note(n);
      store.record_findings(plan.rejected, store.current_step());
      std::fwrite(text.data(), 1, text.size(), stdout);
      ctx.step_status = "planned";
      ctx.outcome = "exported " + o.export_format;
      return ExitCode::ok;
    }
    export_info = write_block_export(o.export_format, text, o.output);
  }

  if (!ctx.opt.apply) {
    ctx.step_status = "planned";
    store.record_findings(plan.rejected, store.current_step());
    for (auto& n : notes) out.note(n);
    ctx.outcome = "planned: " + plan_summary(plan);
    if (out.json()) {
      out.document(block_plan_document(plan, notes, export_info));
      return ExitCode::ok;
    }
    print_plan(out, plan_items(plan));
    out.text(kept_summary(plan));
    if (!plan.rejected.empty()) print_findings(out, plan.rejected);
    if (!export_info.is_null()) out.text("Export " + o.export_format + " written to " + o.output + "\n");
    out.text("Dry run: nothing changed. Add --apply to block.\n");
    return ExitCode::ok;
  }

  BlockResult result;
  auto findings = apply_block_plan(ctx.host(), store, ctx.effects(), plan, result);
  for (auto& n : notes) out.note(n);
  for (auto& n : result.notes) out.note(n);
  ctx.outcome = "block applied: " + std::to_string(result.count("done")) + " layer(s) changed" +
                (result.failed() ? ", with failures" : "");
  if (out.json()) {
    out.document(block_apply_document(plan, findings, result, notes, export_info));
  } else {
    print_actions(out, result.actions);
    out.text(kept_summary(plan));
    if (!findings.empty()) print_findings(out, findings);
    if (!result.counters.empty()) out.text("Counters: " + counters_text(result.counters) + "\n");
    if (!export_info.is_null()) out.text("Export " + o.export_format + " written to " + o.output + "\n");
  }
  return result.failed() ? ExitCode::runtime : ExitCode::ok;
}

}  // namespace

void add_block(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<BlockOptions>();
  auto* sub =
      app.add_subcommand("block", "block mining-pool domains and stratum ports at firewall, DNS and proxy layers");
  sub->add_flag("--remove", o->remove, "roll back what this case blocked (with --apply)");
  sub->add_option("--export", o->export_format,
                  "write the block for another layer: hosts, dnsmasq, unbound, rpz, nft, "
                  "iptables, ip6tables, squid, suricata");
  sub->add_option("-o,--output", o->output, "file for --export (default: stdout)");
  sub->add_option("--host", o->request.hosts, "a pool host name to sinkhole (repeatable)");
  sub->add_option("--ip", o->request.ips, "a pool address to drop (repeatable)");
  sub->add_flag("--whole-address", o->request.whole_address,
                "drop every port to the pool addresses (pools often share addresses with other services)");
  sub->callback([&ctx, o] {
    ctx.step = "block";
    ctx.run = [&ctx, o]() -> ExitCode { return run_block(ctx, *o); };
  });
}

}  // namespace unmine
