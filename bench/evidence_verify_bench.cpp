// evidence_verify_bench: `evidence verify` of a case holding N stored items (default 200,000; target:
// under 30 s) with their custody records, one small content-addressed file each, plus the peak RSS.
// The case is built here directly (rows, custody chain and files as the evidence store writes them, in
// one transaction and without the per-item fsync), so building it does not dominate the run.
//
//   build/bench/evidence_verify_bench [--items N] [--dir DIR] [--keep]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "case/case_store.h"
#include "core/hashing.h"
#include "evidence/evidence_store.h"
#include "evidence/verify.h"

using namespace unmine;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void build_case(CaseStore& store, size_t items) {
  CaseStore::Transaction tx(store);
  for (size_t i = 0; i < items; ++i) {
    auto content = "#!/bin/sh\n# item " + std::to_string(i) + "\n";
    MultiHasher h;
    h.update(content.data(), content.size());
    auto d = h.finish();
    auto stored = stored_path_for(d.sha256);
    auto file = store.dir() / stored;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    store.exec(
        "INSERT INTO evidence(case_id, kind, source_path, collected_at, collector, status, sha256, sha1, md5, size, "
        "stored_path)"
        " VALUES(?,?,?,?,?,'stored',?,?,?,?,?)",
        {store.case_id(), "script", "/tmp/.x/item" + std::to_string(i), now_iso8601(), "evidence_verify_bench",
         d.sha256, d.sha1, d.md5, d.size, stored});
    auto id = store.last_insert_id();
    store.custody("evidence.stored", {{"evidence_id", id},
                                      {"kind", "script"},
                                      {"source_path", "/tmp/.x/item" + std::to_string(i)},
                                      {"sha256", d.sha256},
                                      {"sha1", d.sha1},
                                      {"md5", d.md5},
                                      {"size", d.size},
                                      {"stored_path", stored}});
  }
  tx.commit();
}

}  // namespace

int main(int argc, char** argv) {
  size_t items = 200000;
  fs::path base = fs::temp_directory_path();
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--items" && i + 1 < argc)
      items = std::strtoull(argv[++i], nullptr, 10);
    else if (a == "--dir" && i + 1 < argc)
      base = argv[++i];
    else if (a == "--keep")
      keep = true;
    else {
      std::fprintf(stderr, "usage: evidence_verify_bench [--items N] [--dir DIR] [--keep]\n");
      return 2;
    }
  }
  auto dir = base / ("unmine-verify-bench-" + std::to_string(::getpid()));
  auto t0 = Clock::now();
  {
    auto store = CaseStore::open(dir, "cryptomining", "/");
    build_case(*store, items);
  }
  std::printf("built a case of %zu items in %.1f s (%s)\n", items, seconds_since(t0), dir.c_str());

  auto store = CaseStore::open(dir, "cryptomining", "/");
  t0 = Clock::now();
  auto rep = verify_case_integrity(*store);
  double verify_s = seconds_since(t0);
  struct rusage ru {};
  ::getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "evidence verify: %llu items, %llu custody records, %zu problems in %.2f s (target < 30 s); peak RSS %.1f MiB\n",
      static_cast<unsigned long long>(rep.items), static_cast<unsigned long long>(rep.custody_rows),
      rep.problems.size(), verify_s, ru.ru_maxrss / 1024.0);
  if (!keep) fs::remove_all(dir);
  return rep.intact() ? 0 : 1;
}
