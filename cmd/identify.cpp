#include <filesystem>

#include "case/detection_record.h"
#include "cmd/commands.h"
#include "core/text.h"
#include "detect/identify.h"
#include "detect/verdict.h"

namespace unmine {
namespace {

struct IdentifyArgs {
  std::vector<int> pids;
  std::vector<std::string> files;
};

std::string yes_no(bool b) { return b ? "yes" : "no"; }

void print_block(const Output& out, const std::string& title,
                 const std::vector<std::pair<std::string, std::string>>& rows) {
  std::string text = out.bold(title) + "\n";
  for (auto& [k, v] : rows)
    if (!v.empty()) text += "  " + k + std::string(k.size() < 12 ? 12 - k.size() : 1, ' ') + v + "\n";
  out.text(text + "\n");
}

std::string wallets_text(const std::vector<WalletMatch>& wallets) {
  std::string s;
  for (auto& w : wallets)
    s += (s.empty() ? "" : "\n              ") + w.address + " (" + w.coin + " " + w.kind + ", checksum " +
         (w.checksum_valid ? "valid" : "INVALID") + ")";
  return s;
}

std::string pools_text(const std::vector<PoolRef>& pools) {
  std::string s;
  for (auto& p : pools)
    s += (s.empty() ? "" : "\n              ") + printable(p.url.empty() ? p.host : p.url) + "  host " +
         printable(p.host) + " port " + std::to_string(p.port) + " tls " + yes_no(p.tls) +
         (p.user.empty() ? "" : " user " + printable(p.user)) + " [" + p.source + "]";
  return s;
}

std::string family_text(const MinerInfo& m) {
  std::string s = m.family;
  if (m.version) s += " " + printable(*m.version);
  if (!m.family_source.empty()) s += " (by " + m.family_source + ")";
  return s;
}

void print_result(const Output& out, const IdentifyResult& r) {
  for (auto& im : r.miners) {
    auto& m = im.info;
    std::string cmdline;
    for (auto& a : m.proc.cmdline) cmdline += (cmdline.empty() ? "" : " ") + printable(a);
    std::string exe = printable(m.proc.exe) + (m.proc.exe_deleted ? " (deleted)" : "");
    std::string connections;
    for (auto& c : m.connections)
      connections += (connections.empty() ? "" : "\n              ") + c.proto + " " + c.local_addr + ":" +
                     std::to_string(c.local_port) + " -> " + c.remote_addr + ":" + std::to_string(c.remote_port) + " " +
                     c.state;
    std::string ancestry;
    for (auto& a : m.ancestry)
      ancestry += (ancestry.empty() ? "" : " <- ") + std::to_string(a.pid) + " " + printable(a.exe);
    std::string container;
    if (m.proc.container)
      container = m.proc.container->runtime + " " + printable(m.proc.container->id.substr(0, 12)) +
                  (m.proc.container->image.empty() ? "" : " image " + printable(m.proc.container->image));
    std::string config;
    if (m.config_path) config = printable(*m.config_path) + (m.config_valid == false ? " (not valid JSON)" : "");
    print_block(out, "pid " + std::to_string(m.proc.pid) + (im.is_miner ? "" : "  (no sign of mining)"),
                {{"family", family_text(m)},
                 {"user agent", m.user_agent ? printable(*m.user_agent) : ""},
                 {"exe", exe},
                 {"sha256", m.exe_sha256},
                 {"user", printable(m.proc.user)},
                 {"cmdline", cmdline},
                 {"cwd", printable(m.proc.cwd)},
                 {"algorithm", m.algorithm ? printable(*m.algorithm) : ""},
                 {"coin", m.coin ? printable(*m.coin) : ""},
                 {"worker", m.worker ? printable(*m.worker) : ""},
                 {"wallets", wallets_text(m.wallets)},
                 {"pools", pools_text(m.pools)},
                 {"config", config},
                 {"connections", connections},
                 {"ancestry", ancestry},
                 {"container", container}});
  }
  for (auto& f : r.files) {
    auto& m = f.info;
    print_block(out, printable(f.path) + "  (" + std::string(to_string(f.type)) + ")",
                {{"family", family_text(m)},
                 {"user agent", m.user_agent ? printable(*m.user_agent) : ""},
                 {"sha256", m.exe_sha256},
                 {"size", std::to_string(f.size)},
                 {"valid JSON", m.config_valid ? yes_no(*m.config_valid) : ""},
                 {"algorithm", m.algorithm ? printable(*m.algorithm) : ""},
                 {"worker", m.worker ? printable(*m.worker) : ""},
                 {"wallets", wallets_text(m.wallets)},
                 {"pools", pools_text(m.pools)}});
  }
  if (r.miners.empty() && r.files.empty()) out.text("No miner found.\n\n");
  print_findings(out, r.findings);
  for (auto& n : r.notes) out.note("note: " + printable(n));
  if (!r.complete) print_cut_short(out, "identify");
}

}  // namespace

void add_identify(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<IdentifyArgs>();
  auto* sub = app.add_subcommand(
      "identify", "family, version, wallets, pools, config, ancestry and container of each miner, or of a file");
  sub->add_option("--pid", args->pids, "profile this process even when triage would not flag it (repeatable)")
      ->transform(whole_number("a process ID"));
  sub->add_option("--file", args->files, "profile a binary, config or script on disk, inside --root (repeatable)");
  sub->callback([&ctx, args] {
    ctx.step = "identify";
    ctx.run = [&ctx, args]() -> ExitCode {
      IdentifyOptions options{args->pids, {}};
      for (auto& f : args->files) {
        // Relative paths mean the analyst's working directory, which is only meaningful on the live root.
        if (f.starts_with('/'))
          options.files.push_back(f);
        else if (ctx.opt.root == "/")
          options.files.push_back(std::filesystem::absolute(f).lexically_normal().string());
        else
          throw UsageError("--file " + f + ": give a path absolute inside --root");
      }
      auto result = run_identify(ctx.host(), ctx.playbook(), options);
      record_identify(ctx.case_store(), result, ctx.case_store().current_step());
      auto& out = ctx.out();
      if (out.json())
        out.document(result.to_json());
      else
        print_result(out, result);
      size_t miners = std::count_if(result.miners.begin(), result.miners.end(), [](auto& m) { return m.is_miner; });
      std::string families;
      for (auto& m : result.miners)
        if (m.is_miner) families += (families.empty() ? "" : ", ") + m.info.family;
      ctx.outcome = std::to_string(miners) + " miner(s)" + (families.empty() ? "" : " (" + families + ")") + ", " +
                    std::to_string(result.files.size()) + " file(s), " + std::to_string(result.findings.size()) +
                    " finding(s)";
      return exit_code_for(highest(result.findings));
    };
  });
}

}  // namespace unmine
