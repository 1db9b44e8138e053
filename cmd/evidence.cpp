#include "cmd/commands.h"

namespace unmine {

void add_evidence(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("evidence", "work with the case's evidence");
  sub->require_subcommand(1, 1);
  auto* verify = sub->add_subcommand("verify", "not implemented yet");
  verify->callback([&ctx] { ctx.run = [] () -> ExitCode { throw RuntimeError("evidence verify is not implemented yet", "not_implemented"); }; });
}

}  // namespace unmine
