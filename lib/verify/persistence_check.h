#pragma once
// Is the miner's persistence back? Each artifact unpersist neutralised (and that was not undone) is
// re-read through the root; a fresh persistence scan finds anything new that references the miner.
#include <vector>

#include "host/host_root.h"
#include "model/finding.h"
#include "playbook/playbook.h"
#include "verify/baseline.h"

namespace unmine {

struct PersistenceCheck {
  std::vector<Finding> findings;
  int artifacts = 0;  // neutralised artifacts re-read
};

// One neutralised artifact against the file now: nullopt while it stays gone.
std::optional<Finding> recheck_unpersisted(const HostRoot& host, const RecordedAction& action,
                                           const IncidentIndicators& incident);

PersistenceCheck check_persistence(const HostRoot& host, const Playbook& playbook, const CaseBaseline& baseline);

}  // namespace unmine
