#pragma once
// The copy an action keeps before it changes a file: the exact bytes it read, stored by content in
// CASE/evidence/sha256/ab/<sha256> (fsynced before any row points at it) and recorded as an evidence row
// with status 'stored'. Until the evidence library's EvidenceStore lands, actions use this one place.
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "case/case_store.h"
#include "core/hashing.h"

namespace unmine {

struct StoredCopy {
  Digests digests;
  std::string stored_path;  // relative to the case folder
};

// Writes the bytes into the case's evidence folder (no row yet). Throws RuntimeError on failure.
StoredCopy store_copy(const CaseStore& store, std::string_view data);

// Records a stored copy as evidence (status 'stored'); call inside the transaction of the action it backs.
int64_t record_copy(CaseStore& store, const StoredCopy& copy, const std::string& kind, const std::string& source_path,
                    const struct stat& st, const std::string& collector, const std::string& note = {});

// Reads a stored copy back, checking its SHA-256 against the evidence row. nullopt when missing or altered.
std::optional<std::string> read_copy(const CaseStore& store, int64_t evidence_id);

}  // namespace unmine
