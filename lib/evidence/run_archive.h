#pragma once
// The tar archive of one preserve run (pax, zstd-compressed, manifest.json inside), written through
// libarchive to NAME.part and renamed into place once complete and fsynced. Its SHA-256 is computed
// over the bytes as they are written, so recording it needs no second read.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <openssl/evp.h>

#include "core/fd.h"

struct archive;

namespace unmine {

struct ArchiveDigest {
  std::string sha256;
  uint64_t size = 0;
};

class RunArchive {
 public:
  // zstd_level: 1 favours throughput (evidence is mostly binaries that barely compress).
  explicit RunArchive(std::filesystem::path final_path, int zstd_level = 1);
  ~RunArchive();  // an archive never finished is removed (its row stays 'writing')
  RunArchive(const RunArchive&) = delete;
  RunArchive& operator=(const RunArchive&) = delete;

  // One entry whose size is declared up front (tar needs it in the header). If fewer bytes follow,
  // end_entry() pads with zeros; callers say so in the manifest.
  void begin_entry(const std::string& name, uint64_t size, time_t mtime);
  void write(const char* data, size_t n);
  void end_entry();
  void add_file(const std::string& name, std::string_view data, time_t mtime);

  ArchiveDigest finish();
  const std::filesystem::path& path() const { return final_path_; }

 private:
  static ssize_t on_write(struct archive*, void* self, const void* data, size_t n);
  [[noreturn]] void fail(const std::string& what);

  std::filesystem::path final_path_, part_path_;
  UniqueFd fd_;
  struct archive* a_ = nullptr;
  EVP_MD_CTX* sha_ = nullptr;
  uint64_t written_ = 0;
  uint64_t flushed_ = 0;  // bytes handed to writeback so far
  bool finished_ = false;
};

}  // namespace unmine
