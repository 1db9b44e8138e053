#include "cmd/commands.h"

namespace unmine {

void add_block(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("block", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("block is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
