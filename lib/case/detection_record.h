#pragma once
// What validate and identify found, into the case: the findings (linked to the step) in one transaction,
// then the miners (miners.data = MinerInfo::to_json) and the incident's indicators with a custody entry.
#include <cstdint>
#include <optional>
#include <string>

#include "case/case_store.h"
#include "detect/identify.h"
#include "detect/triage.h"

namespace unmine {

void record_triage(CaseStore& store, const TriageResult& result, const std::string& source);
void record_identify(CaseStore& store, const IdentifyResult& result, std::optional<int64_t> step_id);

}  // namespace unmine
