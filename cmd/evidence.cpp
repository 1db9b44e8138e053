// unmine evidence verify: re-hash every stored item and archive against the case database and check the
// custody chain; exit 1 naming each mismatch.
#include <chrono>

#include "cmd/commands.h"
#include "core/text.h"
#include "evidence/verify.h"

namespace unmine {
namespace {

ExitCode evidence_verify(Context& ctx) {
  auto& store = ctx.existing_case();
  auto& out = ctx.out();
  auto last = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto progress = [&out, &last](uint64_t bytes, uint64_t items) {
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::milliseconds(200)) return;
    last = now;
    out.progress("verifying: " + std::to_string(bytes >> 20) + " MiB re-hashed, " + std::to_string(items) + " items");
  };
  auto rep = verify_case_integrity(store, progress);
  out.progress_done();

  // The check itself goes on the record.
  {
    CaseStore::Transaction tx(store);
    store.custody("evidence.verified", {{"intact", rep.intact()},
                                        {"items", rep.items},
                                        {"archives", rep.archives},
                                        {"problems", rep.problems.size()}});
    tx.commit();
  }

  if (out.json()) {
    auto doc = rep.to_json();
    doc["case"] = store.dir().string();
    out.document(doc);
  } else {
    std::string summary = std::to_string(rep.items) + " items, " + std::to_string(rep.archives) + " archives, " +
                          std::to_string(rep.custody_rows) + " custody records";
    if (rep.intact()) {
      out.text("Intact: " + summary + " checked.\n");
    } else {
      std::vector<std::vector<std::string>> rows;
      for (auto& p : rep.problems)
        rows.push_back({p.target, std::to_string(p.id), printable(p.path), printable(p.problem)});
      out.table({"TARGET", "ID", "PATH", "PROBLEM"}, rows);
      out.text("\nNOT INTACT: " + std::to_string(rep.problems.size()) + " problems in " + summary + ".\n");
    }
    if (rep.incomplete)
      out.note(std::to_string(rep.incomplete) +
               " items were left pending by an interrupted run (never counted as preserved)");
  }
  if (!rep.intact()) {
    std::string first = rep.problems.front().target + " " + std::to_string(rep.problems.front().id) + ": " +
                        rep.problems.front().problem;
    out.note("evidence verify: " + printable(first) + (rep.problems.size() > 1 ? " (and more)" : ""));
  }
  return rep.intact() ? ExitCode::ok : ExitCode::runtime;
}

}  // namespace

void add_evidence(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("evidence", "work with the case's evidence");
  sub->require_subcommand(1, 1);
  auto* verify = sub->add_subcommand("verify", "re-hash every stored item and archive and check the custody chain");
  verify->callback([&ctx] { ctx.run = [&ctx] { return evidence_verify(ctx); }; });
}

}  // namespace unmine
