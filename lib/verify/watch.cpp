#include "verify/watch.h"

#include <thread>

namespace unmine {

int planned_checks(const WatchOptions& o) {
  if (o.every.count() <= 0) return 1;
  return static_cast<int>(o.window.count() / o.every.count()) + 1;
}

WatchResult watch(const WatchOptions& o, const std::function<CheckResult()>& one_check,
                  const std::function<void(const WatchStatus&)>& on_status, const std::atomic<bool>& stop) {
  WatchResult r;
  const int planned = planned_checks(o);
  const auto start = std::chrono::steady_clock::now();
  const auto wall_start = std::chrono::system_clock::now();
  for (int k = 0; k < planned; ++k) {
    auto due = start + k * o.every;
    while (!stop.load() && std::chrono::steady_clock::now() < due)
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(due - std::chrono::steady_clock::now(),
                                                                                std::chrono::milliseconds(200)));
    if (stop.load()) {
      r.stopped = "interrupted";
      return r;
    }
    r.checks.push_back(one_check());
    bool found = !r.checks.back().clean();
    WatchStatus s{k + 1, planned, &r.checks.back(), std::nullopt};
    bool last = k + 1 == planned || (found && o.until_found);
    if (!last) s.next = wall_start + std::chrono::duration_cast<std::chrono::system_clock::duration>((k + 1) * o.every);
    on_status(s);
    if (found && o.until_found) {
      r.stopped = "found";
      return r;
    }
  }
  r.stopped = "window_end";
  return r;
}

}  // namespace unmine
