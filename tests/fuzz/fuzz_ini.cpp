// systemd units, drop-ins and XDG desktop files (one INI parser), and udev rules.
#include "fuzz_input.h"
#include "persist/ini.h"
#include "persist/udev.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 2);
  if (in.which == 0)
    parse_ini(in.rest);
  else
    parse_udev_rules(in.rest);
  return 0;
}
