#include "cmd/commands.h"

namespace unmine {

void add_report(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("report", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("report is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
