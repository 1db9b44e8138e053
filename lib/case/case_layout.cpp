#include "case/case_layout.h"

#include "core/case_file.h"
#include "core/error.h"

namespace unmine {

std::filesystem::path CaseLayout::database() const { return dir_ / kCaseDatabaseName; }

std::string CaseLayout::stored_copy(std::string_view sha256) {
  return std::string(kEvidence) + "/sha256/" + std::string(sha256.substr(0, 2)) + "/" + std::string(sha256);
}

std::string CaseLayout::archive(std::string_view name) {
  return std::string(kEvidence) + "/archives/" + std::string(name);
}

bool CaseLayout::exists() const { return std::filesystem::exists(database()); }

void CaseLayout::require_existing() const {
  if (!exists()) throw RuntimeError("no case at " + dir_.string() + " (give --case DIR or set UNMINE_CASE)", "case");
}

}  // namespace unmine
