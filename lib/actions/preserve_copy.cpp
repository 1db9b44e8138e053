#include "actions/preserve_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.h"
#include "core/fd.h"

namespace unmine {

StoredCopy store_copy(const CaseStore& store, std::string_view data) {
  MultiHasher h;
  h.update(data.data(), data.size());
  StoredCopy c{h.finish(), {}};
  c.stored_path = "evidence/sha256/" + c.digests.sha256.substr(0, 2) + "/" + c.digests.sha256;
  auto final_path = store.dir() / c.stored_path;
  std::error_code ec;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  if (ec) throw RuntimeError("evidence folder " + final_path.parent_path().string() + ": " + ec.message(), "case");
  if (std::filesystem::exists(final_path)) return c;  // same content already stored
  auto tmp = final_path.string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(std::random_device{}());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400));
  if (!fd) throw RuntimeError("storing a copy in " + tmp + ": " + std::strerror(errno), "case");
  size_t off = 0;
  while (off < data.size()) {
    auto n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::unlink(tmp.c_str());
      throw RuntimeError("storing a copy in " + tmp + ": " + std::strerror(e), "case");
    }
    off += static_cast<size_t>(n);
  }
  // The copy is on disk before any row points at it: a crash leaves at worst an unreferenced file.
  if (::fsync(fd.get()) != 0 || ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw RuntimeError("storing a copy in " + final_path.string() + ": " + std::strerror(e), "case");
  }
  UniqueFd dir(::open(final_path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir) ::fsync(dir.get());
  return c;
}

int64_t record_copy(CaseStore& store, const StoredCopy& copy, const std::string& kind, const std::string& source_path,
                    const struct stat& st, const std::string& collector, const std::string& note) {
  auto step = store.current_step();
  store.exec(
      "INSERT INTO evidence(case_id, step_id, kind, source_path, sha256, sha1, md5, size, stored_path, owner_uid,"
      " owner_gid, mode, mtime, ctime, collected_at, collector, status, note) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'stored',?)",
      {store.case_id(), step ? nlohmann::json(*step) : nlohmann::json(nullptr), kind, source_path, copy.digests.sha256,
       copy.digests.sha1, copy.digests.md5, static_cast<int64_t>(copy.digests.size), copy.stored_path,
       static_cast<int64_t>(st.st_uid), static_cast<int64_t>(st.st_gid), static_cast<int64_t>(st.st_mode & 07777),
       iso8601(st.st_mtim.tv_sec), iso8601(st.st_ctim.tv_sec), now_iso8601(), collector,
       note.empty() ? nlohmann::json(nullptr) : nlohmann::json(note)});
  auto id = store.last_insert_id();
  store.custody("evidence.stored", {{"evidence_id", id}, {"source_path", source_path}, {"sha256", copy.digests.sha256}});
  return id;
}

std::optional<std::string> read_copy(const CaseStore& store, int64_t evidence_id) {
  auto rows = store.query("SELECT stored_path, sha256 FROM evidence WHERE id=? AND status='stored'", {evidence_id});
  if (rows.empty() || !rows[0]["stored_path"].is_string()) return std::nullopt;
  std::ifstream in(store.dir() / rows[0]["stored_path"].get<std::string>(), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  auto data = ss.str();
  if (sha256_hex(data) != rows[0]["sha256"].get<std::string>()) return std::nullopt;
  return data;
}

}  // namespace unmine
