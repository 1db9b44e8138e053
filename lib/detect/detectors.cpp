#include "detect/detectors.h"

namespace unmine {

const std::vector<Detector>& host_detectors() {
  static const std::vector<Detector> detectors = {
      {DetectorSlot::before_persistence, "network",
       [](const DetectorInput& in) { return detect_network(in.network, in.ind, in.sockets, in.by_pid); }},
      // With a miner found, the fds of every process are searched for msr handles only when the module is
      // loaded (checked inside): that is the one case worth a full fd scan.
      {DetectorSlot::after_persistence, "system",
       [](const DetectorInput& in) { return detect_system(in.host, in.miners, in.candidates, true); }},
      {DetectorSlot::after_persistence, "hiding", [](const DetectorInput& in) { return detect_hiding(in.host); }},
  };
  return detectors;
}

}  // namespace unmine
