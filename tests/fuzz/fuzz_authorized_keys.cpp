// authorized_keys: options, key types, base64 blobs and comments an attacker appends.
#include "fuzz_input.h"
#include "persist/ssh_keys.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unmine::parse_authorized_keys(unmine::fuzz::text(data, size));
  return 0;
}
