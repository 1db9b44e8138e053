#include "cmd/commands.h"
#include "report/formats.h"
#include "report/report_command.h"

namespace unmine {

void add_report(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("report", "the incident report from the case alone: " + report_format_names());
  auto o = std::make_shared<ReportCommandOptions>();
  std::string formats_help = "one of:";
  std::vector<std::string> names;
  for (auto& f : report_formats()) {
    formats_help += "\n  " + std::string(f.name) + ": " + std::string(f.description);
    names.emplace_back(f.name);
  }
  sub->add_option("--format", o->format, formats_help)->check(CLI::IsMember(names));
  sub->add_option("-o,--output", o->output, "write the report to FILE instead of stdout");
  sub->add_option("--cost-per-vcpu-hour", o->cost_per_vcpu_hour,
                  "price of one vCPU-hour for the impact estimate (default 0.05)")
      ->transform(decimal_number("a price", 0, 1e6));
  sub->add_option("--currency", o->currency, "currency of that price (default USD)");
  sub->callback([&ctx, o] {
    ctx.run = [&ctx, o] {
      auto& store = ctx.existing_case();  // first: "no case at DIR" before anything else is read
      return run_report(store, ctx.playbook(), ctx.out(), *o);
    };
  });
}

}  // namespace unmine
