#pragma once
// A fleet case's own tables (migration 004): `hosts`, one row a merged host's case, and `host_custody`,
// each host's custody chain as the host wrote it; the folding of one host's case database into the fleet
// case (`case merge`), table by table; and the case database as one file for a bundle (`case export`).
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "case/case_store.h"

namespace unmine {

// A merged host as the fleet case records it.
struct MergedHostRow {
  int64_t case_id = 0;  // the host's case inside the fleet case
  std::string name;     // the bundle's host name
  std::string case_uuid;
  std::string bundle_sha256;
  nlohmann::json id_offsets;  // {table: n}: a host row id + n is its id here (the host's custody names host ids)
};

// The merged hosts, ordered by name (none: not a fleet case).
std::vector<MergedHostRow> merged_hosts(const CaseStore& store);
bool is_fleet_case(const CaseStore& store);
// True when the database holds exactly one case and no merged hosts: a host's case, not a fleet case.
bool is_single_host_case(const CaseStore& store);

// Where a merged host's evidence file (a path its case records) goes in the fleet case folder:
// content-addressed copies where they were (one copy for every host that has it), anything else (run
// archives) under the host's own folder.
std::string merged_evidence_path(const std::string& host, const std::string& recorded);

struct HostCaseCopy {
  int64_t case_id = 0;                   // the host's case in the fleet case
  std::map<std::string, uint64_t> rows;  // rows copied, by table
};

// Copies the case database at `host_db` (one host's case, at this unmine's schema) into `fleet` as one more
// case: every row of its tables under the new case id (ids shifted past the fleet's, references shifted
// alike, archive paths moved by merged_evidence_path), its custody chain into host_custody as written, and
// its hosts row. Call inside the caller's transaction.
HostCaseCopy copy_host_case(CaseStore& fleet, const std::filesystem::path& host_db, const std::string& host,
                            const std::string& bundle_sha256, int schema_version);

// A consistent single-file copy of the live case database at `to` (SQLite's backup API: other commands may
// be writing meanwhile; no -wal beside it).
void backup_case_database(const CaseStore& store, const std::filesystem::path& to);
// The schema version of a case database file, opened read-only; -1 when it is not a readable SQLite database.
int case_file_schema_version(const std::filesystem::path& db);

}  // namespace unmine
