#pragma once
// Reading the case's records for the commands that show, check or hunt from it (status, report, evidence
// verify, verify, hunt). Rows come as stored: JSON columns as text (json_column parses one). Actions and
// evidence items are read through ActionLog and EvidenceLog.
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "case/case_store.h"

namespace unmine {

// The case row, every column but id.
nlohmann::json case_row(const CaseStore& store);
std::string case_uuid(const CaseStore& store);

// The custody chain in order: seq, at, actor, event, details, prev_hash, hash.
std::vector<nlohmann::json> custody_chain(const CaseStore& store);
// Streaming reads for evidence verify (a case of 200,000 items is not held in memory at once), one row a
// call. The chain read is the case's own custody, or with `merged_host` (the case id of a fleet case's
// merged host) that host's chain as the host wrote it.
using RowFn = std::function<void(const nlohmann::json&)>;
// The chain in order: seq, at, actor, event, details, prev_hash, hash.
void for_each_custody_record(const CaseStore& store, std::optional<int64_t> merged_host, const RowFn& fn);
// The chain's records of stored items and archives: event (evidence.stored | archive.stored), details.
void for_each_storage_record(const CaseStore& store, std::optional<int64_t> merged_host, const RowFn& fn);
// The hash of the case's last custody record; empty when there is none.
std::string custody_head(const CaseStore& store);
// Steps in order: id, step, command, argv, started_at, finished_at, status, outcome, exit_code.
std::vector<nlohmann::json> step_rows(const CaseStore& store);
// Findings in the order first seen: finding_id, group_name, kind, severity, summary, pid, path, line,
// evidence, first_seen, last_seen, times_seen.
std::vector<nlohmann::json> finding_rows(const CaseStore& store);
// Paths the case's findings of these groups name (e.g. miner, persistence), signs only: not info findings
// nor entries merely changed in the compromise window (class new).
std::vector<std::string> finding_paths(const CaseStore& store, const std::vector<std::string>& groups);
bool has_finding_in_group(const CaseStore& store, const std::string& group);
// Each recorded miner observation in order: data (MinerInfo::to_json as text), seen_at.
std::vector<nlohmann::json> miner_observations(const CaseStore& store);
// Indicators ordered by type and value: type, value, context, source, first_seen.
std::vector<nlohmann::json> indicator_rows(const CaseStore& store);
// Verify's checks in order: id, step_id, started_at, finished_at, verdict, severity, exit_code, findings.
std::vector<nlohmann::json> check_rows(const CaseStore& store);

}  // namespace unmine
