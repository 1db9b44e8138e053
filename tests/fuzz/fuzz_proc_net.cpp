// /proc/net/{tcp,tcp6,udp,udp6}: a fixture procfs is attacker-shaped data like any file.
#include <sys/socket.h>

#include <string>
#include <vector>

#include "fuzz_input.h"
#include "host/sockets.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 4);
  std::vector<std::string> anomalies;
  parse_proc_net(in.rest, in.which & 1 ? "udp" : "tcp", in.which & 2 ? AF_INET6 : AF_INET, &anomalies);
  return 0;
}
