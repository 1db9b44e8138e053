#include "cmd/commands.h"

namespace unmine {

void add_hunt(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("hunt", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("hunt is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
