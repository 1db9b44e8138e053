#pragma once
// Files compiled into the binary: playbooks/ and evidence_schema/migrations/.
#include <span>
#include <string_view>

namespace unmine {

struct EmbeddedFile {
  std::string_view path;  // relative to the source tree, e.g. "playbooks/cryptomining/ports.txt"
  std::string_view data;
};

std::span<const EmbeddedFile> embedded_files();

}  // namespace unmine
