#include "cmd/commands.h"

namespace unmine {

void add_status(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("status", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("status is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
