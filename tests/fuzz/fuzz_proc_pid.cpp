// /proc/PID/{stat,status,cmdline,environ,maps,mountinfo,cgroup} and the exe link: a fake or racing procfs.
#include <string>
#include <vector>

#include "core/text.h"
#include "fuzz_input.h"
#include "host/process.h"
#include "hunt/memory_scan.h"
#include "hunt/proc_mounts.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 7);
  std::vector<std::string> anomalies;
  switch (in.which) {
    case 0: parse_proc_stat(in.rest); break;
    case 1: parse_proc_status(in.rest); break;
    case 2:
      for (auto& a : split_nul(in.rest)) printable(a);
      break;  // cmdline, environ
    case 3: parse_maps(in.rest); break;
    case 4: parse_mountinfo(in.rest, &anomalies); break;
    case 5: parse_cgroup_container(in.rest); break;
    default: parse_exe_link(in.rest); break;
  }
  return 0;
}
