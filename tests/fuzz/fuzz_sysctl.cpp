// sysctl.conf and sysctl.d files (hugepages, msr tuning a miner leaves).
#include "fuzz_input.h"
#include "persist/sysctl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unmine::parse_sysctl_conf(unmine::fuzz::text(data, size));
  return 0;
}
