// case merge at fleet scale: N host cases of F findings and E preserved evidence items each (default
// 50 × 1,000 × 200), exported as bundles, then merged into one fleet case and checked. Prints the merge
// time against the target (10 s) and the time of evidence verify over the fleet case.
//   build/bench/fleet_merge_bench [HOSTS] [FINDINGS] [EVIDENCE]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "case/case_store.h"
#include "evidence/evidence_store.h"
#include "evidence/verify.h"
#include "fleet/bundle.h"
#include "fleet/merge.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

fs::path make_host(const fs::path& work, int host, int findings, int items) {
  auto name = "host-" + std::to_string(host);
  auto store = CaseStore::open(work / ("case-" + name), "cryptomining", "/");
  std::vector<Finding> list;
  for (int i = 0; i < findings; ++i) {
    auto f = make_finding(Group::persistence, "cron", Severity::high, "cron line " + std::to_string(i),
                          name + std::to_string(i));
    f.path = "/etc/cron.d/job" + std::to_string(i % 50);
    f.evidence = {{"text", "* * * * * root /tmp/.x/kworker -u wallet-" + std::to_string(host % 5)}, {"rule", "bench"}};
    list.push_back(std::move(f));
  }
  store->record_findings(list, std::nullopt);
  EvidenceStore es(*store, "preserve");
  for (int i = 0; i < items; ++i) {
    ItemSource src;
    src.kind = "persistence";
    src.source_path = "/etc/cron.d/job" + std::to_string(i);
    // Half the items are the same on every host (the same dropped miner and scripts): stored once in the fleet.
    std::string data = (i % 2 ? "host " + std::to_string(host) + " " : std::string("shared ")) + "item " +
                       std::to_string(i) + std::string(512, 'x');
    es.preserve_bytes(data, src);
  }
  es.finish();
  auto bundle = work / "bundles" / (name + ".tar.zst");
  export_case(*store, name, bundle);
  return bundle;
}

}  // namespace

int main(int argc, char** argv) {
  int hosts = argc > 1 ? std::atoi(argv[1]) : 50;
  int findings = argc > 2 ? std::atoi(argv[2]) : 1000;
  int items = argc > 3 ? std::atoi(argv[3]) : 200;
  auto work = fs::temp_directory_path() / ("unmine-fleet-bench-" + std::to_string(::getpid()));
  fs::create_directories(work / "bundles");

  auto t0 = std::chrono::steady_clock::now();
  for (int h = 0; h < hosts; ++h) make_host(work, h, findings, items);
  std::printf("prepared %d host bundles (%d findings, %d evidence items each) in %.2f s\n", hosts, findings, items,
              seconds_since(t0));

  auto fleet = CaseStore::open(work / "fleet", "cryptomining", "/");
  auto t1 = std::chrono::steady_clock::now();
  auto merged = merge_bundles(*fleet, {work / "bundles"});
  double merge_s = seconds_since(t1);
  auto rows = fleet->query("SELECT COUNT(*) AS n FROM findings")[0]["n"].get<int64_t>();
  std::printf("case merge: %zu hosts, %lld findings in %.2f s (target < 10 s: %s)\n", merged.size(),
              static_cast<long long>(rows), merge_s, merge_s < 10 ? "met" : "MISSED");

  auto t2 = std::chrono::steady_clock::now();
  auto again = merge_bundles(*fleet, {work / "bundles"});
  std::printf("second merge (nothing to do): %.2f s\n", seconds_since(t2));

  auto t3 = std::chrono::steady_clock::now();
  auto rep = verify_case_integrity(*fleet);
  std::printf("evidence verify over the fleet case: %s, %llu items, %llu custody rows in %.2f s\n",
              rep.intact() ? "intact" : "NOT INTACT", static_cast<unsigned long long>(rep.items),
              static_cast<unsigned long long>(rep.custody_rows), seconds_since(t3));
  fleet.reset();
  std::error_code ec;
  fs::remove_all(work, ec);
  return merge_s < 10 && rep.intact() ? 0 : 1;
}
