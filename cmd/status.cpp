// unmine status: the case against the playbook's time boxes: what is done, when, with what outcome,
// which time box is running or late, and the blocks in force.
#include <ctime>

#include "case/case_reader.h"
#include "case/evidence_log.h"
#include "case/fleet_view.h"
#include "case/timeline.h"

#include "cmd/commands.h"
#include "core/text.h"

namespace unmine {
namespace {

std::string duration(int64_t s) {
  if (s < 0) s = 0;
  char buf[32];
  if (s >= 86400)
    std::snprintf(buf, sizeof buf, "%lldd %02lldh %02lldm", (long long)(s / 86400), (long long)(s % 86400 / 3600),
                  (long long)(s % 3600 / 60));
  else
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
  return buf;
}

std::string colored(const Output& out, const std::string& state) {
  if (!out.color()) return state;
  const char* code = state == "done"                                              ? "32"
                     : state == "late" || state == "failed" || state == "refused" ? "31"
                     : state == "running"                                         ? "33"
                                                                                  : "2";
  return std::string("\x1b[") + code + "m" + state + "\x1b[0m";
}

std::string listed(const std::set<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : " ") + (x.size() > 16 ? x.substr(0, 12) + "…" : x);
  return s.empty() ? "-" : printable(s);
}

void print_fleet(const Output& out, const FleetView& fleet) {
  out.text("\n" + out.bold("Fleet: " + std::to_string(fleet.hosts.size()) + " host(s)") + "\n");
  std::vector<std::vector<std::string>> rows;
  for (auto& h : fleet.hosts)
    rows.push_back({printable(h.name), h.verdict + " (" + h.severity + ")", std::to_string(h.miners),
                    listed(h.families), listed(h.wallets), listed(h.pools), joined(h.steps_done),
                    joined(h.steps_late)});
  out.table({"HOST", "VERDICT", "MINERS", "FAMILIES", "WALLETS", "POOLS", "DONE", "LATE"}, rows);
  out.text("\n" + out.bold("Campaigns: " + std::to_string(fleet.campaigns.size())) + "\n");
  for (auto& c : fleet.campaigns) {
    std::string links;
    for (auto& l : c.links) links += (links.empty() ? "" : "; ") + l.type + " " + printable(l.value);
    out.text("  {" + printable(joined(c.hosts)) + "} linked by " + links + "\n");
  }
}

ExitCode status(Context& ctx) {
  auto& store = ctx.existing_case();
  auto& out = ctx.out();
  auto tl = build_timeline(store, ctx.playbook().json("steps.json"), static_cast<int64_t>(::time(nullptr)));
  auto info = case_row(store);
  auto stored = EvidenceLog::stored_totals(store);
  auto fleet = build_fleet_view(store, ctx.playbook().json("steps.json"), static_cast<int64_t>(::time(nullptr)));
  if (out.json()) {
    auto doc = tl.to_json();
    doc["case"] = {{"dir", store.dir().string()}, {"uuid", info["uuid"]}, {"hostname", info["hostname"]}};
    doc["evidence"] = {{"stored", stored.items}, {"bytes", stored.bytes}, {"archives", stored.archives}};
    if (!fleet.empty()) doc["fleet"] = fleet.to_json();
    out.document(doc);
    return ExitCode::ok;
  }
  std::string host = printable(string_at(info, "hostname"));
  out.text(out.bold("Case") + " " + store.dir().string() + (host.empty() ? "" : " (host " + host + ")") + ", opened " +
           tl.created_at + ", " + duration(tl.elapsed_seconds) + " ago\n");
  for (auto& box : tl.boxes) {
    std::string line = "  " + box.title + " (by " + box.deadline + "): " + colored(out, box.state);
    if (box.state == "done" && box.done_late) line += " (late)";
    out.text(line + "\n");
  }
  out.text("\n");
  std::vector<std::vector<std::string>> rows;
  for (auto& s : tl.steps) {
    std::string state = colored(out, s.state) + (s.late ? " " + colored(out, "late") : "");
    rows.push_back({s.time_box, s.title, state, s.at.value_or(""),
                    printable(s.outcome.empty() ? (s.state == "done" ? "" : s.command) : s.outcome)});
  }
  out.table({"BOX", "STEP", "STATE", "WHEN", "OUTCOME / NEXT"}, rows);
  out.text("\nEvidence: " + std::to_string(stored.items) + " items stored, " + std::to_string(stored.archives) +
           " archives.\n");
  if (!tl.blocks.empty()) {
    out.text("Blocks in force:\n");
    for (auto& b : tl.blocks)
      out.text("  #" + std::to_string(b.action_id) + " " + b.kind + " " + printable(b.target.dump()) + " since " +
               b.at + "\n");
  }
  if (!fleet.empty()) print_fleet(out, fleet);
  return ExitCode::ok;
}

}  // namespace

void add_status(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("status", "the case against the playbook's time boxes: done, running, late");
  sub->callback([&ctx] { ctx.run = [&ctx] { return status(ctx); }; });
}

}  // namespace unmine
