#include "hunt/system_tools.h"

#include "core/hashing.h"
#include "hunt/file_kind.h"

namespace unmine {

SystemTools SystemTools::load(const HostRoot& host, const std::vector<std::string>& names) {
  SystemTools out;
  for (auto& name : names) {
    for (const char* dir : {"/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"}) {
      std::string path = dir + name;
      auto st = host.lstat(path);
      if (!st || !S_ISREG(st->st_mode)) continue;
      auto content = host.read(path, 64 << 20);
      if (!content || content->truncated) continue;
      ToolFingerprint f;
      f.name = name;
      f.path = path;
      f.size = content->data.size();
      f.sha256 = sha256_hex(content->data);
      f.build_id = elf_build_id(content->data);
      out.tools_.push_back(std::move(f));
      break;
    }
  }
  return out;
}

const ToolFingerprint* SystemTools::copy_of(std::string_view path, uint64_t size,
                                            const std::optional<std::string>& build_id,
                                            const std::string& sha256) const {
  for (auto& t : tools_) {
    if (t.path == path) continue;
    if (build_id && t.build_id && *build_id == *t.build_id) return &t;
    if (size == t.size && !sha256.empty() && sha256 == t.sha256) return &t;
  }
  return nullptr;
}

}  // namespace unmine
