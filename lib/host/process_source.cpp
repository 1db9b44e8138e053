#include "host/process_source.h"

#include <fcntl.h>

#include "core/hashing.h"

namespace unmine {

std::string LiveProcesses::exe_sha256(int pid) const {
  // /proc/PID/exe opens the running image itself, even when its file was deleted or is a memfd.
  auto fd = host_.open_proc(std::to_string(pid) + "/exe", O_RDONLY);
  if (!fd) return {};
  auto d = hash_fd(fd.get());
  return d ? d->sha256 : std::string();
}

}  // namespace unmine
