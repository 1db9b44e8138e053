// Test tool: records the running executable of each PID as preserved evidence of a case, the way
// `unmine preserve --pid` does (copy into evidence/, hash, an `evidence` row kind 'exe' status 'stored',
// a custody entry), through the library. Usage: record_exe_evidence CASE_DIR PID...
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "case/case_store.h"
#include "core/hashing.h"
#include "host/host_root.h"

using namespace unmine;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: record_exe_evidence CASE_DIR PID...\n";
    return 2;
  }
  auto store = CaseStore::open(argv[1], "cryptomining", "/");
  HostRoot host(HostPaths{});
  for (int i = 2; i < argc; ++i) {
    std::string pid = argv[i];
    auto exe = host.readlink_proc(pid + "/exe");
    auto fd = host.open_proc(pid + "/exe", O_RDONLY);
    if (!fd || !exe) {
      std::cerr << "record_exe_evidence: cannot open /proc/" << pid << "/exe\n";
      return 1;
    }
    auto content = read_fd(fd.get(), 256 * 1024 * 1024);
    if (!content) return 1;
    MultiHasher h;
    h.update(content->data.data(), content->data.size());
    auto d = h.finish();
    auto rel = std::filesystem::path("evidence") / "sha256" / d.sha256.substr(0, 2) / d.sha256;
    std::filesystem::create_directories((store->dir() / rel).parent_path());
    std::ofstream(store->dir() / rel, std::ios::binary) << content->data;
    CaseStore::Transaction tx(*store);
    store->exec(
        "INSERT INTO evidence(case_id, kind, source_path, pid, sha256, sha1, md5, size, stored_path, collected_at,"
        " collector, status) VALUES(?, 'exe', ?, ?, ?, ?, ?, ?, ?, ?, 'record_exe_evidence (test)', 'stored')",
        {store->case_id(), *exe, std::stoi(pid), d.sha256, d.sha1, d.md5, d.size, rel.string(), now_iso8601()});
    store->custody("evidence.stored", {{"evidence_id", store->last_insert_id()}, {"sha256", d.sha256}});
    tx.commit();
    std::cout << d.sha256 << "\n";
  }
  return 0;
}
