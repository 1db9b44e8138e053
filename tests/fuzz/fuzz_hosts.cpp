// /etc/hosts, /etc/resolv.conf and host names pulled out of a resolver cache blob.
#include "fuzz_input.h"
#include "host/dns.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 3);
  if (in.which == 0)
    parse_hosts_file(in.rest);
  else if (in.which == 1)
    parse_resolv_conf(in.rest);
  else
    extract_cached_host_names(in.rest);
  return 0;
}
