#pragma once
// verify --watch: checks at the start of the window and every `every` after it, up to and including the
// window's end (so --every 1h --for 72h makes 73 checks), on a fixed grid so a slow check does not drift
// the rest. Stops early on the first check that is not clean when until_found, or when asked to stop.
#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "verify/check.h"

namespace unmine {

struct WatchOptions {
  std::chrono::seconds every{3600};
  std::chrono::seconds window{std::chrono::hours{72}};
  bool until_found = false;
};

struct WatchStatus {
  int checks_done = 0;
  int checks_planned = 0;
  const CheckResult* last = nullptr;
  std::optional<std::chrono::system_clock::time_point> next;  // none after the last check
};

struct WatchResult {
  std::vector<CheckResult> checks;
  std::string stopped;  // window_end | found | interrupted
};

int planned_checks(const WatchOptions& options);

WatchResult watch(const WatchOptions& options, const std::function<CheckResult()>& one_check,
                  const std::function<void(const WatchStatus&)>& on_status, const std::atomic<bool>& stop);

}  // namespace unmine
