// Placeholder until the persistence scanners land: nothing found.
#include "persist/persistence.h"

namespace unmine {

PersistenceScan scan_persistence(const HostRoot&, const Playbook&, const IncidentIndicators&) { return {}; }

}  // namespace unmine
