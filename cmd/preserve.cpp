// unmine preserve: copy and hash each miner's binary, config, volatile state and persistence (or any
// --path) into the case, with one archive for the run.
#include <chrono>

#include "cmd/commands.h"
#include "core/text.h"
#include "evidence/preserve.h"

namespace unmine {
namespace {

struct PreserveArgs {
  std::vector<int> pids;
  std::vector<std::string> paths;
  size_t max_files = kDefaultMaxTreeFiles;
};

std::string mib(uint64_t n) { return std::to_string(n >> 20) + " MiB"; }

ExitCode preserve(Context& ctx, const PreserveArgs& args) {
  auto& out = ctx.out();
  // A progress line at most every 200 ms (long copies); Output keeps it off under --json or without a TTY.
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto progress = [&out, &last](uint64_t bytes, uint64_t items) {
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(200)) return;
    last = now;
    out.progress("preserving: " + mib(bytes) + " read, " + std::to_string(items) + " items stored");
  };
  auto run =
      run_preserve(ctx.case_store(), ctx.host(), ctx.playbook(), {args.pids, args.paths, args.max_files}, progress);
  out.progress_done();
  ctx.outcome = run.outcome;
  if (out.json()) {
    out.document(run.doc);
  } else {
    std::vector<std::vector<std::string>> rows;
    for (auto& i : run.doc["items"]) {
      std::string sha = i.contains("sha256") ? i["sha256"].get<std::string>().substr(0, 16) : "-";
      std::string where = i["source_path"].get<std::string>();
      if (!i["pid"].is_null()) where = "pid " + std::to_string(i["pid"].get<int>()) + " " + where;
      rows.push_back({std::to_string(i["id"].get<int64_t>()), i["status"].get<std::string>(),
                      i["kind"].get<std::string>(), where, sha, i.value("note", "")});
    }
    if (rows.empty()) {
      out.text("Nothing to preserve: no miner found (give --pid or --path).\n");
    } else {
      out.table({"ID", "STATUS", "KIND", "SOURCE", "SHA256", "NOTE"}, rows);
      out.text("\n" + run.outcome + "\n");
      if (!run.doc["archive"].is_null())
        out.text("Archive: " + run.doc["archive"]["stored_path"].get<std::string>() + " sha256 " +
                 run.doc["archive"]["sha256"].get<std::string>() + "\n");
    }
    for (auto& n : run.doc["notes"]) out.note(n.get<std::string>());
  }
  return run.complete ? ExitCode::ok : ExitCode::runtime;
}

}  // namespace

void add_preserve(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand(
      "preserve", "copy and hash miners' binaries, configs, volatile state and persistence into the case");
  auto args = std::make_shared<PreserveArgs>();
  sub->add_option("--pid", args->pids, "a process to preserve (repeatable); default: every miner validate reports")
      ->transform(whole_number("a process ID"));
  sub->add_option("--path", args->paths, "a file or folder under --root to preserve (repeatable, recursive)");
  sub->add_option("--max-files", args->max_files,
                  "files one --path folder preserves at most (default " + std::to_string(kDefaultMaxTreeFiles) +
                      "); past it the run is incomplete and says where it stopped")
      ->transform(whole_number("a file count", 1, 10000000));
  sub->callback([&ctx, args] {
    ctx.step = "preserve";
    ctx.run = [&ctx, args] { return preserve(ctx, *args); };
  });
}

}  // namespace unmine
