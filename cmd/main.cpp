// unmine: respond to a cryptomining compromise on a Linux host. main parses options, runs the chosen
// subcommand, records it as a playbook step, and is the one place that maps errors to exit codes.
#include <algorithm>
#include <iostream>

#include "cmd/commands.h"
#include "core/text.h"

using namespace unmine;

namespace {

void print_error(bool json, int code, const std::string& kind, const std::string& message) {
  // Messages may hold a name already escaped by printable(): escaped again it would read "\\x1b".
  std::cerr << "unmine: " << terminal_safe(message) << '\n';
  if (json) {
    nlohmann::json doc = {{"error", {{"code", code}, {"kind", kind}, {"message", terminal_safe(message)}}}};
    std::cout << doc.dump(2) << '\n';
  }
}

std::string step_status_for(ExitCode code) {
  switch (code) {
    case ExitCode::runtime: return "failed";
    case ExitCode::usage: return "failed";
    case ExitCode::refused: return "refused";
    default: return "done";
  }
}

int run(Context& ctx) {
  std::optional<int64_t> step_id;
  if (!ctx.step.empty()) step_id = ctx.case_store().begin_step(ctx.step, ctx.step, ctx.argv);
  ExitCode code;
  try {
    code = ctx.run();
  } catch (const Error& e) {
    // A usage error means the command did not run: it is no playbook step, failed or otherwise.
    bool withdrawn =
        step_id && e.code() == ExitCode::usage && ctx.case_store().withdraw_step(*step_id, printable(e.what()));
    if (step_id && !withdrawn)
      ctx.case_store().finish_step(*step_id, step_status_for(e.code()), printable(e.what()),
                                   static_cast<int>(e.code()));
    throw;
  } catch (const std::exception& e) {
    if (step_id) ctx.case_store().finish_step(*step_id, "failed", printable(e.what()), 1);
    throw;
  }
  if (step_id) {
    auto status = ctx.step_status.empty() ? step_status_for(code) : ctx.step_status;
    ctx.case_store().finish_step(*step_id, status, ctx.outcome, static_cast<int>(code));
  }
  return static_cast<int>(code);
}

// The first word that is neither an option nor a global option's value: the command asked for.
std::string_view command_word(int argc, char** argv) {
  static constexpr std::string_view kValued[] = {"--root", "--proc", "--sys", "--case", "--playbook"};
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.starts_with("-")) {
      if (std::find(std::begin(kValued), std::end(kValued), a) != std::end(kValued)) ++i;
      continue;
    }
    return a;
  }
  return {};
}

// CLI11 answers a misspelt command with "A subcommand is required"; say which word it did not know.
std::string usage_message(const CLI::ParseError& e, int argc, char** argv) {
  auto word = command_word(argc, argv);
  if (word.empty()) return e.what();
  for (auto& c : kCommands)
    if (word == c.name) return e.what();
  std::string known;
  for (auto& c : kCommands) known += (known.empty() ? "" : ", ") + std::string(c.name);
  return "unknown command '" + printable(word) + "' (commands: " + known + ")";
}

}  // namespace

int main(int argc, char** argv) {
  Context ctx;
  // Recorded in the case as JSON: escaped, since an argument may be a file name hunt reported, with any bytes.
  for (int i = 1; i < argc; ++i) ctx.argv.emplace_back(printable(argv[i]));
  CLI::App app{"unmine: respond to a cryptomining compromise on a Linux host", "unmine"};
  app.set_version_flag("--version", "unmine " UNMINE_VERSION);
  app.require_subcommand(1, 1);
  app.fallthrough();
  app.add_option("--root", ctx.opt.root, "filesystem root to inspect (a live host or a mounted image)");
  app.add_option("--proc", ctx.opt.proc, "procfs to read (default /proc for root /, else ROOT/proc)");
  app.add_option("--sys", ctx.opt.sys, "sysfs to read (same rule as --proc)");
  app.add_option("--case", ctx.opt.case_dir, "case folder (default $UNMINE_CASE, else ./unmine-case)");
  app.add_option("--playbook", ctx.opt.playbook_dir, "playbook folder overriding the built-in one, file by file");
  app.add_flag("--json", ctx.opt.json, "one JSON document on stdout");
  app.add_flag("--apply", ctx.opt.apply, "carry out the plan (kill, unpersist, block, verify --schedule)");
  for (auto& c : kCommands) c.add(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    bool json = false;
    for (int i = 1; i < argc; ++i) json |= std::string_view(argv[i]) == "--json";
    print_error(json, 2, "usage", usage_message(e, argc, argv));
    return 2;
  }
  try {
    if (!ctx.run) throw UsageError("no command given");
    return run(ctx);
  } catch (const Error& e) {
    print_error(ctx.opt.json, static_cast<int>(e.code()), e.kind(), e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    print_error(ctx.opt.json, 1, "runtime", e.what());
    return 1;
  }
}
