// /etc/passwd (and shadow-shaped input: the same colon fields).
#include "fuzz_input.h"
#include "host/passwd.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unmine::parse_passwd(unmine::fuzz::text(data, size));
  return 0;
}
