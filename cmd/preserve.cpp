#include "cmd/commands.h"

namespace unmine {

void add_preserve(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("preserve", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("preserve is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
