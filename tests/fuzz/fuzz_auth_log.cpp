// auth.log / syslog lines, sshd messages and journal JSON export lines: log lines an attacker can forge.
#include "fuzz_input.h"
#include "hunt/journal_reader.h"
#include "hunt/ssh_access.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 3);
  if (in.which == 0)
    parse_syslog_line(in.rest, 2026);
  else if (in.which == 1)
    parse_sshd_message(in.rest);
  else
    parse_journal_json(in.rest);
  return 0;
}
