#pragma once
// Steps whose process died (kill -9, a crash, a reboot) stay 'running', their archive 'writing' and their
// items 'pending' for ever unless a later run notices: each step records the process running it, and
// opening the case marks the runs whose process is gone as interrupted.
#include <string>

namespace unmine {

class CaseStore;

// This process on this machine: "BOOT_ID PID START_TICKS" (a PID alone is reused); empty when unknown.
std::string this_runner();
// Whether the process a runner names still runs (same boot, same pid, same start time).
bool runner_alive(const std::string& runner);
// Marks the steps of dead runners 'interrupted', their 'writing' archives and 'pending' items with them.
void settle_interrupted_steps(CaseStore& store);

}  // namespace unmine
