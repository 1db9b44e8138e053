#include "persist/immutable.h"

#include <linux/fs.h>

#include "core/text.h"

namespace unmine {

std::optional<Finding> immutable_file_finding(const HostRoot& host, const std::string& path, std::string_view role) {
  auto flags = host.inode_flags(path);
  if (!flags || !(*flags & (FS_IMMUTABLE_FL | FS_APPEND_FL))) return std::nullopt;
  std::string what =
      *flags & FS_IMMUTABLE_FL ? (*flags & FS_APPEND_FL ? "immutable and append-only" : "immutable") : "append-only";
  auto f = make_finding(Group::hiding, "immutable", Severity::high,
                        printable(path) + " (" + std::string(role) + ") is " + what +
                            " (chattr): removing or editing it fails until the flag is cleared",
                        path);
  f.path = printable(path);
  f.evidence = {{"text", what},  {"rule", "immutable"},      {"indicator", printable(path)}, {"indicator_type", "path"},
                {"flags", what}, {"role", std::string(role)}};
  return f;
}

}  // namespace unmine
