#include "evidence/run_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/hex.h"

namespace unmine {
namespace {}  // namespace

RunArchive::RunArchive(std::filesystem::path final_path, int zstd_level)
    : final_path_(std::move(final_path)), part_path_(final_path_.string() + ".part") {
  std::error_code ec;
  std::filesystem::create_directories(final_path_.parent_path(), ec);
  fd_.reset(::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400));
  if (!fd_) throw RuntimeError("archive " + part_path_.string() + ": " + std::strerror(errno), "evidence");
  sha_ = EVP_MD_CTX_new();
  if (!sha_ || EVP_DigestInit_ex(sha_, EVP_sha256(), nullptr) != 1) fail("OpenSSL digest init failed");
  a_ = archive_write_new();
  if (!a_) fail("libarchive: out of memory");
  // pax keeps any byte in names and sizes beyond 8 GiB; entry names are ours, the host's names live in
  // the manifest.
  if (archive_write_set_format_pax_restricted(a_) != ARCHIVE_OK || archive_write_add_filter_zstd(a_) != ARCHIVE_OK)
    fail(archive_error_string(a_));
  archive_write_set_filter_option(a_, "zstd", "compression-level", std::to_string(zstd_level).c_str());
  archive_write_set_bytes_per_block(a_, 64 * 1024);
  archive_write_set_bytes_in_last_block(a_, 1);  // no zero padding after the zstd frame
  if (archive_write_open2(a_, this, nullptr, &RunArchive::on_write, nullptr, nullptr) != ARCHIVE_OK)
    fail(archive_error_string(a_));
}

RunArchive::~RunArchive() {
  if (a_) archive_write_free(a_);  // also closes; harmless after finish()
  if (sha_) EVP_MD_CTX_free(sha_);
  if (!finished_) ::unlink(part_path_.c_str());
}

void RunArchive::fail(const std::string& what) {
  throw RuntimeError("archive " + final_path_.filename().string() + ": " + what, "evidence");
}

ssize_t RunArchive::on_write(struct archive*, void* self, const void* data, size_t n) {
  auto* me = static_cast<RunArchive*>(self);
  auto* p = static_cast<const char*>(data);
  size_t left = n;
  while (left > 0) {
    auto w = ::write(me->fd_.get(), p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  EVP_DigestUpdate(me->sha_, data, n);
  me->written_ += n;
  // Start writeback as the archive grows (see the stored copy): the final fsync then finds little to do.
  if (me->written_ - me->flushed_ >= (32ull << 20)) {
    ::sync_file_range(me->fd_.get(), static_cast<off_t>(me->flushed_), static_cast<off_t>(me->written_ - me->flushed_),
                      SYNC_FILE_RANGE_WRITE);
    me->flushed_ = me->written_;
  }
  return static_cast<ssize_t>(n);
}

void RunArchive::begin_entry(const std::string& name, uint64_t size, time_t mtime) {
  struct archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, name.c_str());
  archive_entry_set_size(e, static_cast<la_int64_t>(size));
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0400);  // never extract an attacker binary as executable
  archive_entry_set_mtime(e, mtime, 0);
  int rc = archive_write_header(a_, e);
  archive_entry_free(e);
  if (rc != ARCHIVE_OK) fail(archive_error_string(a_));
}

void RunArchive::write(const char* data, size_t n) {
  while (n > 0) {
    auto w = archive_write_data(a_, data, n);
    if (w < 0) fail(archive_error_string(a_));
    if (w == 0) fail("short write");
    data += w;
    n -= static_cast<size_t>(w);
  }
}

void RunArchive::end_entry() {
  if (archive_write_finish_entry(a_) != ARCHIVE_OK) fail(archive_error_string(a_));
}

void RunArchive::add_file(const std::string& name, std::string_view data, time_t mtime) {
  begin_entry(name, data.size(), mtime);
  write(data.data(), data.size());
  end_entry();
}

ArchiveDigest RunArchive::finish() {
  if (archive_write_close(a_) != ARCHIVE_OK) fail(archive_error_string(a_));
  if (::fsync(fd_.get()) != 0) fail(std::string("fsync: ") + std::strerror(errno));
  fd_.reset();
  if (::rename(part_path_.c_str(), final_path_.c_str()) != 0) fail(std::string("rename: ") + std::strerror(errno));
  fsync_dir(final_path_.parent_path());
  finished_ = true;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(sha_, md, &len);
  return {to_hex(std::string_view(reinterpret_cast<char*>(md), len)), written_};
}

}  // namespace unmine
