#pragma once
// `case iocs`: the indicators a case holds, for a sweep of other hosts: the indicators table (wallets,
// pools, hashes, paths, names), the SHA-256 of every file preserved (binaries,
// configs, scripts, persistence files), the persistence
// lines judged tied or malicious, and the fingerprints of the SSH keys found planted.
#include "case/case_store.h"
#include "model/iocs.h"

namespace unmine {

IocSet load_case_iocs(const CaseStore& store, int64_t case_id);

}  // namespace unmine
