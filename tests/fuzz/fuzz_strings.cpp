// File contents as hunt and identify read them: the file kind from its head, an ELF build id, base64
// payloads in scripts, and every name made printable for the terminal and JSON.
#include "core/text.h"
#include "fuzz_input.h"
#include "hunt/file_kind.h"
#include "persist/rules.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 4);
  switch (in.which) {
    case 0: classify_file(in.rest); break;
    case 1: elf_build_id(in.rest); break;
    case 2: decoded_base64_payloads(in.rest, 16); break;
    default: terminal_safe(printable(in.rest)); break;
  }
  return 0;
}
