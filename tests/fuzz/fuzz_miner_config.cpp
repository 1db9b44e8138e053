// Miner configs (XMRig-style JSON, broken JSON, other miners' formats) as found beside a miner.
#include "detect/miner_config.h"
#include "fuzz_input.h"
#include "playbook/indicators.h"
#include "playbook/playbook.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto indicators = Indicators::of(Playbook::load("cryptomining"));
  parse_miner_config(fuzz::text(data, size), *indicators);
  return 0;
}
