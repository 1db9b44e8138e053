#include "cmd/commands.h"

namespace unmine {

void add_verify(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("verify", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("verify is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
