#pragma once
// `case iocs --format stix`: the case's IoCs as a STIX 2.1 bundle, drawn by the report's STIX renderer over a
// report-shaped document that holds only them (and the miner families the case recorded).
#include <nlohmann/json.hpp>

#include "case/case_store.h"
#include "model/iocs.h"

namespace unmine {

nlohmann::json iocs_stix(const CaseStore& store, const IocSet& iocs);

}  // namespace unmine
