// Stratum pool URLs, as one argument or found anywhere in a text (command lines, scripts, configs).
#include "detect/pool_url.h"
#include "fuzz_input.h"
#include "playbook/indicators.h"
#include "playbook/playbook.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto indicators = Indicators::of(Playbook::load("cryptomining"));
  auto in = fuzz::select(data, size, 2);
  if (in.which == 0)
    parse_pool_url(in.rest, *indicators);
  else
    find_pool_urls(in.rest, *indicators);
  return 0;
}
