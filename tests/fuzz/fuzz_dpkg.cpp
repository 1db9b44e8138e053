// The package database: dpkg info/*.list and *.md5sums.
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "host/dpkg_db.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 2);
  std::vector<std::string> anomalies;
  if (in.which == 0)
    parse_dpkg_list(in.rest);
  else
    parse_dpkg_md5sums(in.rest, &anomalies);
  return 0;
}
