#pragma once
// The incident's indicators in the case: the indicators table rows (type, value): wallet, path, dir, name,
// sha256, domain, ipv4/ipv6, port, inode. Written by validate/identify/preserve, read by unpersist, verify,
// block, hunt and report.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "case/case_store.h"
#include "model/incident.h"

namespace unmine {

IncidentIndicators load_indicators(const CaseStore& store);
// The values of one type, including types IncidentIndicators does not hold (cmdline).
std::vector<std::string> indicator_values(const CaseStore& store, const std::string& type);
void record_indicators(CaseStore& store, const IncidentIndicators& indicators,
                       const std::string& source);  // inside a transaction

// The case's first sign of the incident: the earliest start of a miner it recorded (unix seconds, and
// what it was); nullopt when it recorded none with a known start. Starts the persistence window.
std::optional<std::pair<int64_t, std::string>> first_incident_sign(const CaseStore& store);

}  // namespace unmine
