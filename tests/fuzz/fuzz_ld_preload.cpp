// /etc/ld.so.preload: the one parser validate, persistence, hunt and unpersist share.
#include "fuzz_input.h"
#include "persist/ld_preload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unmine::parse_ld_so_preload(unmine::fuzz::text(data, size));
  return 0;
}
