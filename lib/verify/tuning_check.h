#pragma once
// Is the miner's system optimisation undone? Huge pages reserved (vm.nr_hugepages) and MSR writes
// allowed (msr allow_writes), read under --proc and --sys. When the case saw such tuning before, what is
// still in force is a finding; otherwise it is reported as information (databases use huge pages too).
#include <optional>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "model/finding.h"

namespace unmine {

struct TuningState {
  std::optional<long> nr_hugepages;
  std::optional<std::string> msr_allow_writes;  // "on" | "off" | "default"
};

TuningState read_tuning(const HostRoot& host);
std::vector<Finding> tuning_findings(const TuningState& state, bool case_saw_tuning);

}  // namespace unmine
