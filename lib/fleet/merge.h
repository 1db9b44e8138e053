#pragma once
// `case merge`: host cases (bundles) folded into one fleet case. Each host's case becomes one more row of
// cases with every row of its tables under that case id (ids shifted past the fleet's, references
// shifted alike), its custody chain kept as written (host_custody), its evidence files copied once by
// content address. All bundles are read and checked first; then one transaction merges them all.
#include <filesystem>
#include <string>
#include <vector>

#include "case/case_store.h"

namespace unmine {

struct MergedHost {
  std::string host;
  std::string case_uuid;
  std::string bundle;
  std::string status;  // merged | unchanged (already merged from this very bundle)
  uint64_t findings = 0, evidence = 0, files_copied = 0;
  nlohmann::json to_json() const;
};

// `inputs`: bundle files, or folders whose *.tar.zst are bundles. Throws RuntimeError (nothing merged)
// on a bad bundle, a newer schema, two bundles naming one host with different cases, or a host already
// merged from another case or another bundle.
std::vector<MergedHost> merge_bundles(CaseStore& fleet, const std::vector<std::filesystem::path>& inputs);

}  // namespace unmine
