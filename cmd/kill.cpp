#include "cmd/commands.h"

namespace unmine {

void add_kill(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("kill", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("kill is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
