#include "cmd/commands.h"
#include "report/report_command.h"

namespace unmine {

void add_report(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("report", "the incident report from the case alone: md, html, json, stix, timeline");
  auto o = std::make_shared<ReportCommandOptions>();
  sub->add_option("--format", o->format, "md (default), html, json (default under --json), stix, timeline")
      ->check(CLI::IsMember({"md", "html", "json", "stix", "timeline"}));
  sub->add_option("-o,--output", o->output, "write the report to FILE instead of stdout");
  sub->add_option("--cost-per-vcpu-hour", o->cost_per_vcpu_hour, "price of one vCPU-hour for the impact estimate (default 0.05)")
      ->check(decimal_number("a price", 0, 1e6));
  sub->add_option("--currency", o->currency, "currency of that price (default USD)");
  sub->callback([&ctx, o] { ctx.run = [&ctx, o] { return run_report(ctx, *o); }; });
}

}  // namespace unmine
