#pragma once
// Log files and their rotations under the root (auth.log, auth.log.1, auth.log.2.gz, ...), gzip ones
// read through libarchive, each bounded in size.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct LogFile {
  std::string path;  // inside the root
  std::string text;
  int64_t mtime = 0;
  bool truncated = false;
};

// Every file in `dir` whose name is `base` or starts with `base` + "." (rotations, .gz), newest first.
std::vector<LogFile> read_rotated_logs(const HostRoot& host, const std::string& dir, const std::string& base,
                                       size_t max_bytes = 256u << 20);

// Decompresses a gzip image (libarchive raw format); nullopt when it is not gzip or is corrupt.
std::optional<std::string> gunzip(std::string_view data, size_t max_bytes, bool* truncated);

}  // namespace unmine
