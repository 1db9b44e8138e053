#include "cmd/commands.h"

namespace unmine {

void add_unpersist(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("unpersist", "not implemented yet");
  sub->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("unpersist is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
