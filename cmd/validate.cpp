#include "cmd/commands.h"

namespace unmine {

void add_validate(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("validate", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("validate is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
