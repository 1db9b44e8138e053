#include "verify/tuning_check.h"

#include <charconv>

#include "core/text.h"
#include "host/msr.h"

namespace unmine {

TuningState read_tuning(const HostRoot& host) {
  TuningState s;
  if (auto f = host.read_proc("sys/vm/nr_hugepages", 64)) {
    auto v = trim(f->data);
    long n = 0;
    if (std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc{}) s.nr_hugepages = n;
  }
  s.msr_allow_writes = msr_allow_writes(host);
  return s;
}

std::vector<Finding> tuning_findings(const TuningState& s, bool case_saw_tuning) {
  std::vector<Finding> out;
  auto severity = case_saw_tuning ? Severity::medium : Severity::info;
  auto tail = case_saw_tuning ? " (the miner's tuning is still in force)" : " (reported: the case saw no tuning)";
  if (s.nr_hugepages && *s.nr_hugepages > 0) {
    auto f = make_finding(Group::system_optimization, "sysctl.hugepages", severity,
                          "vm.nr_hugepages is " + std::to_string(*s.nr_hugepages) + tail, "verify-tuning|nr_hugepages");
    f.evidence = {{"rule", "nr_hugepages>0"}, {"value", *s.nr_hugepages}};
    out.push_back(std::move(f));
  }
  if (s.msr_allow_writes && msr_allows_writes(*s.msr_allow_writes)) {
    auto f = make_finding(Group::system_optimization, "msr", severity, std::string("msr allow_writes is on") + tail,
                          "verify-tuning|msr_allow_writes");
    f.evidence = {{"rule", "msr.allow_writes=on"}, {"value", printable(*s.msr_allow_writes)}};
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
