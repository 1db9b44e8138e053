// Cron files (system, user, anacron formats) and at jobs: attacker-written persistence.
#include "fuzz_input.h"
#include "persist/at_jobs.h"
#include "persist/cron.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 4);
  if (in.which == 3)
    parse_at_job(in.rest);
  else
    parse_crontab(in.rest, static_cast<CronFormat>(in.which));
  return 0;
}
