#include "case/step_runner.h"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "case/case_store.h"
#include "core/text.h"
#include "host/process.h"

namespace unmine {
namespace {

// The machine's own /proc (not --proc: the runner is unmine itself).
std::string read_small(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string boot_id() { return std::string(trim(read_small("/proc/sys/kernel/random/boot_id"))); }

std::optional<uint64_t> start_ticks(int pid) {
  auto st = parse_proc_stat(read_small("/proc/" + std::to_string(pid) + "/stat"));
  if (!st) return std::nullopt;
  return st->starttime;
}

}  // namespace

std::string this_runner() {
  auto boot = boot_id();
  auto ticks = start_ticks(::getpid());
  if (boot.empty() || !ticks) return {};  // unknown: the step is never judged dead
  return boot + ' ' + std::to_string(::getpid()) + ' ' + std::to_string(*ticks);
}

bool runner_alive(const std::string& runner) {
  auto w = words(runner);
  if (w.size() != 3 || w[0] != boot_id()) return false;
  int pid = 0;
  uint64_t ticks = 0;
  try {
    pid = std::stoi(std::string(w[1]));
    ticks = std::stoull(std::string(w[2]));
  } catch (const std::exception&) {
    return false;
  }
  auto now = start_ticks(pid);
  return now && *now == ticks;
}

void settle_interrupted_steps(CaseStore& store) {
  if (boot_id().empty()) return;  // without this machine's boot id no runner can be judged
  auto running = store.query("SELECT id, runner FROM steps WHERE status='running' AND runner IS NOT NULL");
  for (auto& r : running) {
    if (runner_alive(string_at(r, "runner"))) continue;
    int64_t id = r["id"].get<int64_t>();
    CaseStore::Transaction tx(store);
    // Re-checked under the write lock: another run may have settled it meanwhile.
    if (store.query("SELECT 1 FROM steps WHERE id=? AND status='running'", {id}).empty()) continue;
    auto now = now_iso8601();
    const std::string why = "interrupted: its process ended before finishing (killed or crashed)";
    store.exec("UPDATE steps SET finished_at=?, status='interrupted', outcome=? WHERE id=?", {now, why, id});
    store.exec("UPDATE archives SET status='interrupted', note=? WHERE step_id=? AND status='writing'", {why, id});
    store.exec("UPDATE evidence SET status='failed', note=? WHERE step_id=? AND status='pending'", {why, id});
    store.custody("step.interrupted", {{"step_id", id}, {"found_at", now}});
    tx.commit();
  }
}

}  // namespace unmine
