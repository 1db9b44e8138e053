// block_bench: `block --apply` of 10,000 pool addresses and 5,000 pool domains (one nftables JSON transaction
// through libnftables or nft -j, plus the hosts file, the evidence copy and the case records), against
// `nft -f` of the equivalent plain ruleset script. Runs in a network namespace of its own, so the host's
// ruleset is never touched. Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for unshare).
#include <sched.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "actions/block.h"
#include "actions/block_export.h"
#include "case/case_store.h"

using namespace unmine;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

BlockPlan bench_plan(size_t addresses, size_t domains) {
  BlockPlan p;
  // 198.18.0.0/15: the benchmarking range (RFC 2544).
  for (size_t i = 0; i < addresses; ++i) {
    auto n = static_cast<unsigned>(i + 1);
    p.ipv4.emplace(
        "198." + std::to_string(18 + (n >> 16)) + "." + std::to_string((n >> 8) & 255) + "." + std::to_string(n & 255),
        "bench");
  }
  for (size_t i = 0; i < domains; ++i) p.domains.emplace("pool-" + std::to_string(i) + ".bench.example", "bench");
  p.any_ports = {3333, 3334, 3335, 3336, 3357,  4444,  5555,  5556, 5588,
                 5730, 6099, 7777, 7778, 14433, 14444, 45560, 45700};
  p.pool_ports = p.any_ports;
  p.pool_ports.insert(443);
  return p;
}

}  // namespace

int main() {
  if (::unshare(CLONE_NEWNET) != 0) {
    std::perror("block_bench: unshare(CLONE_NEWNET) (run as root)");
    return 77;
  }
  auto dir = std::filesystem::temp_directory_path() / ("unmine-block-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "root" / "etc");
  std::ofstream(dir / "root" / "etc" / "hosts") << "127.0.0.1 localhost\n::1 localhost ip6-localhost\n";
  auto plan = bench_plan(10000, 5000);
  auto effects = make_real_effects();

  // The reference: nft -f of the same table as a plain script.
  auto script = (dir / "ruleset.nft").string();
  std::ofstream(script) << render_export("nft", plan, ExportMeta{"bench", "now", 1});
  auto t0 = Clock::now();
  auto ref = effects->run({"/usr/sbin/nft", "-f", script});
  double ref_ms = ms_since(t0);
  if (ref.exit_code != 0) {
    std::fprintf(stderr, "block_bench: nft -f failed: %s\n", ref.err.c_str());
    return 1;
  }
  effects->run({"/usr/sbin/nft", "delete", "table", "inet", "unmine"});

  // The nftables part alone: the same table as one JSON transaction.
  t0 = Clock::now();
  auto json_doc = nft_apply_document(plan, NftState{}).document.dump();
  auto json_run = effects->nft_json(json_doc);
  double json_ms = ms_since(t0);
  if (json_run.exit_code != 0) {
    std::fprintf(stderr, "block_bench: the JSON ruleset failed: %s\n", json_run.err.c_str());
    return 1;
  }
  effects->run({"/usr/sbin/nft", "delete", "table", "inet", "unmine"});

  HostRoot host(HostPaths{(dir / "root").string(), "/proc", ""});
  auto store = CaseStore::open(dir / "case", "cryptomining", host.root_path());
  BlockTargets targets;
  t0 = Clock::now();
  auto result = apply_block(host, *store, *effects, plan, targets);
  double apply_ms = ms_since(t0);
  t0 = Clock::now();
  auto again = apply_block(host, *store, *effects, plan, targets);
  double again_ms = ms_since(t0);
  t0 = Clock::now();
  auto removed = remove_block(host, *store, *effects, targets);
  double remove_ms = ms_since(t0);
  std::filesystem::remove_all(dir);
  if (result.failed() || again.failed() || removed.failed()) {
    std::fprintf(stderr, "block_bench: an action failed: %s\n", result.actions.dump().c_str());
    return 1;
  }
#ifdef UNMINE_HAVE_LIBNFTABLES
  const char* via = "libnftables";
#else
  const char* via = "nft -j -f -";
#endif
  std::printf(
      "block --apply, 10000 addresses + 5000 domains (%s, hosts file, evidence, case): %.1f ms (target < 1000 ms: "
      "%s)\n",
      via, apply_ms, apply_ms < 1000 ? "met" : "MISSED");
  std::printf("nft -f of the equivalent plain ruleset (reference, nftables only):            %.1f ms\n", ref_ms);
  std::printf("the nftables part alone (JSON document built and applied):                    %.1f ms\n", json_ms);
  std::printf("ratio unmine / nft -f: %.2f whole block, %.2f nftables part\n", apply_ms / ref_ms, json_ms / ref_ms);
  std::printf("second apply (idempotent, nothing to add): %.1f ms; --remove: %.1f ms\n", again_ms, remove_ms);
  return apply_ms < 1000 ? 0 : 1;
}
