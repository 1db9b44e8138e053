#pragma once
// Fingerprints of the host's own tools that attackers carry under other names (chattr to undo
// immutable bits, curl/wget to fetch payloads): the size, SHA-256 and ELF build-id of each at its
// system path, so a copy elsewhere is recognised whatever it is called.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct ToolFingerprint {
  std::string name;  // "curl"
  std::string path;  // "/usr/bin/curl"
  uint64_t size = 0;
  std::string sha256;
  std::optional<std::string> build_id;
};

class SystemTools {
 public:
  // names: tool names from the playbook (hunt/renamed_tools.txt); each is looked up in the system bin folders.
  static SystemTools load(const HostRoot& host, const std::vector<std::string>& names);
  void add(ToolFingerprint f) { tools_.push_back(std::move(f)); }

  // The tool this image is a copy of, when it is one and sits at another path than the tool itself.
  const ToolFingerprint* copy_of(std::string_view path, uint64_t size, const std::optional<std::string>& build_id,
                                 const std::string& sha256) const;
  const std::vector<ToolFingerprint>& tools() const { return tools_; }

 private:
  std::vector<ToolFingerprint> tools_;
};

}  // namespace unmine
