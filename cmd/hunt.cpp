// unmine hunt [--since TIME]: co-installed tooling, new binaries in the compromise window, YARA, hidden
// processes, entry vectors, security-tool tampering and exposed credentials. Never changes the host.
#include <ctime>
#include <filesystem>
#include <thread>

#include "case/case_reader.h"
#include "case/indicators_store.h"
#include "cmd/commands.h"
#include "core/text.h"
#include "detect/ioc_sweep.h"
#include "detect/triage.h"
#include "detect/verdict.h"
#include "hunt/hunt.h"
#include "hunt/incident_signs.h"
#include "model/incident.h"

namespace unmine {
namespace {

// More threads than this only contend for the same disk; far more would exhaust the process's stacks.
constexpr long long kMaxThreads = 256;

struct HuntArgs {
  std::string since;
  unsigned threads = 0;
  bool no_sweep = false;
  bool no_yara = false;
  bool no_memory = false;
  uint64_t max_file_mb = 64;
  std::string iocs;
};

ExitCode run(Context& ctx, const HuntArgs& a) {
  const auto& out = ctx.out();
  const auto& host = ctx.host();
  const auto& playbook = ctx.playbook();
  auto& store = ctx.case_store();
  int64_t now = static_cast<int64_t>(::time(nullptr));

  std::optional<int64_t> since;
  if (!a.since.empty()) {
    since = parse_since(a.since, now);
    if (!since)
      throw UsageError("--since " + a.since + ": expected an ISO time (2026-11-20T10:00:00Z) or a span (48h, 7d)");
  }

  HuntOptions o;
  std::vector<nlohmann::json> miners;
  for (auto& row : miner_observations(store)) {
    try {
      miners.push_back(nlohmann::json::parse(row["data"].get<std::string>()));
    } catch (const nlohmann::json::exception&) {}
  }
  auto indicators = load_indicators(store);
  auto incident_files = finding_paths(store, {"miner", "persistence"});
  if (miners.empty() && indicators.empty() && !since) {
    out.progress("no miner in the case yet: running triage");
    auto triage = run_triage(host, playbook, TriageOptions{});
    out.progress_done();
    for (auto& m : triage.miners) miners.push_back(m.to_json());
    indicators.merge(triage.indicators);
    for (auto& f : triage.findings)
      if (f.path && (f.group == Group::persistence || f.group == Group::miner) && f.severity > Severity::info &&
          f.entry_class != "new")
        incident_files.push_back(*f.path);
  }
  o.window = compute_window(since, incident_signs(host, miners, indicators, incident_files), now);
  for (auto& m : miners)
    if (m.contains("pid") && m["pid"].is_number_integer()) o.incident_pids.push_back(m["pid"].get<int>());
  o.incident_paths.insert(indicators.paths.begin(), indicators.paths.end());
  o.threads = a.threads ? a.threads : std::max(2u, std::min(8u, std::thread::hardware_concurrency()));
  o.pid_sweep = !a.no_sweep;
  o.yara = !a.no_yara;
  o.memory = !a.no_memory;
  o.max_scan_bytes = a.max_file_mb << 20;
  if (auto inside = ctx.case_inside_root()) o.skip.push_back(*inside);
  o.case_registry = load_case_registry();
  if (!o.case_registry.problem.empty())
    out.note("unmine hunt: case registry not used (" + o.case_registry.problem +
             "): every other case folder is scanned");
  o.run = ctx.tools();
  o.progress = [&out](std::string_view s) { out.progress(s); };

  out.note("unmine hunt: " + o.window.describe());
  std::optional<IocSet> iocs;
  if (!a.iocs.empty()) iocs = read_ioc_file(a.iocs);  // a bad file is refused before the long scan
  auto result = run_hunt(host, playbook, o);
  if (iocs) {
    auto sweep = sweep_iocs(host, *iocs, o.skip);
    for (auto& f : sweep.findings) result.findings.push_back(std::move(f));
    for (auto& n : sweep.notes) result.notes.push_back(std::move(n));
    if (!sweep.complete) result.complete = false;
  }
  out.progress_done();
  store.record_findings(result.findings, store.current_step());

  auto h = highest(result.findings);
  size_t above_info = 0;
  for (auto& f : result.findings) above_info += f.severity > Severity::info;
  ctx.outcome = std::to_string(above_info) + " finding(s) above info, highest " +
                (h ? std::string(to_string(*h)) : std::string("none")) + "; window from " + iso8601(o.window.start) +
                " (" + o.window.basis + ")";
  if (out.json()) {
    out.document(result.to_json());
  } else {
    out.text(o.window.describe() + "\n");
    print_findings(out, result.findings);
    for (auto& n : result.notes) out.text("note: " + terminal_safe(n) + "\n");
    if (!result.complete) print_cut_short(out, "hunt");
    if (above_info == 0) out.text("nothing above info found: no secondary tooling, hiding or open entry vector seen\n");
  }
  return exit_code_for(h && *h > Severity::info ? h : std::nullopt);
}

}  // namespace

void add_hunt(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<HuntArgs>();
  auto* sub = app.add_subcommand("hunt", "co-installed tooling, new binaries, YARA, hidden processes, entry vectors");
  sub->add_option("--since", args->since, "start of the compromise window: ISO time or a span back from now (48h, 7d)");
  sub->add_option("--threads", args->threads, "scanning threads (default: the cores, at least 2)")
      ->transform(whole_number("a thread count", 1, kMaxThreads));
  sub->add_option("--max-file-size", args->max_file_mb, "MiB of a file scanned with YARA (larger: head only)")
      ->transform(whole_number("a size in MiB", 1, 4096));
  sub->add_flag("--no-pid-sweep", args->no_sweep, "skip the hidden-PID sweep");
  sub->add_flag("--no-yara", args->no_yara, "skip YARA (files and memory)");
  sub->add_option("--iocs", args->iocs,
                  "also report anything matching these indicators (a `case iocs` file from another host)");
  sub->add_flag("--no-memory", args->no_memory, "skip scanning the memory of suspicious processes");
  sub->callback([&ctx, args] {
    ctx.step = "hunt";
    ctx.run = [&ctx, args]() { return run(ctx, *args); };
  });
}

}  // namespace unmine
