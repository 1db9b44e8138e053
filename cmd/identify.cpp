#include "cmd/commands.h"

namespace unmine {

void add_identify(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("identify", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("identify is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
