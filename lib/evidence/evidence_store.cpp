#include "evidence/evidence_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include <cerrno>
#include <cstring>

#include "case/case_reader.h"
#include "case/evidence_log.h"
#include "core/error.h"
#include "core/text.h"
#include "evidence/digests.h"
#include "evidence/fanout.h"
#include "evidence/run_archive.h"

namespace unmine {
namespace {

std::string ts_iso(const struct timespec& ts) {
  auto s = iso8601(ts.tv_sec);
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%09ldZ", static_cast<long>(ts.tv_nsec));
  return s.substr(0, s.size() - 1) + frac;
}

// Starts writing back every 32 MiB as they are written, so the final fsync finds little left to do and
// the disk works while the next chunks are hashed (dirty pages would otherwise wait for fsync).
void start_writeback(int fd, uint64_t& flushed, uint64_t written) {
  constexpr uint64_t kStep = 32ull << 20;
  if (written - flushed < kStep) return;
  ::sync_file_range(fd, static_cast<off_t>(flushed), static_cast<off_t>(written - flushed), SYNC_FILE_RANGE_WRITE);
  flushed = written;
}

bool all_zero(const char* d, size_t n) { return n == 0 || (d[0] == 0 && std::memcmp(d, d + 1, n - 1) == 0); }

// The stored copy being written: a temporary file in evidence/tmp, holes kept for zero chunks (a sparse
// 2 GiB file costs no disk), fsynced and moved to its content address once the digests are known.
// Large items are written around the page cache (O_DIRECT, where the filesystem allows it): copying them
// into cache pages was most of preserve's CPU time. The first write that is not block-aligned (a small
// item, the tail of a large one, bytes from memory) turns it off for the rest of the file; fsync keeps
// either way durable.
class TempCopy {
 public:
  explicit TempCopy(std::filesystem::path path) : path_(std::move(path)) {
    fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400));
    if (!fd_) throw RuntimeError("evidence copy " + path_.string() + ": " + std::strerror(errno), "evidence");
    direct_ = ::fcntl(fd_.get(), F_SETFL, O_DIRECT) == 0;  // refused (EINVAL) where the filesystem cannot
  }
  ~TempCopy() {
    if (!moved_) ::unlink(path_.c_str());
  }
  void write(const char* d, size_t n) {
    if (all_zero(d, n)) {
      size_ += n;
      return;
    }
    if (direct_ && (reinterpret_cast<uintptr_t>(d) % kDirectAlign || n % kDirectAlign || size_ % kDirectAlign))
      buffered();
    size_t done = 0;
    while (done < n) {
      auto w = ::pwrite(fd_.get(), d + done, n - done, static_cast<off_t>(size_ + done));
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno == EINVAL && direct_) {  // the device wants a larger alignment
          buffered();
          continue;
        }
        throw RuntimeError("evidence copy: " + std::string(std::strerror(errno)), "evidence");
      }
      done += static_cast<size_t>(w);
    }
    size_ += n;
    start_writeback(fd_.get(), flushed_, size_);
  }
  // fsync, then link into place under its content address (an identical copy already there is kept).
  void commit(const std::filesystem::path& final_path) {
    if (::ftruncate(fd_.get(), static_cast<off_t>(size_)) != 0 || ::fsync(fd_.get()) != 0)
      throw RuntimeError("evidence copy: " + std::string(std::strerror(errno)), "evidence");
    fd_.reset();
    std::error_code ec;
    std::filesystem::create_directories(final_path.parent_path(), ec);
    if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) == 0) {
      moved_ = true;
      fsync_dir(final_path.parent_path());
    } else if (errno != EEXIST) {
      throw RuntimeError("evidence copy " + final_path.string() + ": " + std::strerror(errno), "evidence");
    }
  }

 private:
  static constexpr size_t kDirectAlign = kChunkAlign;
  std::filesystem::path path_;
  UniqueFd fd_;
  uint64_t size_ = 0;
  uint64_t flushed_ = 0;
  bool moved_ = false;
  bool direct_ = false;
  void buffered() {
    ::fcntl(fd_.get(), F_SETFL, 0);
    direct_ = false;
  }
};

// Every consumer of an item's bytes, fed by one read: MD5, SHA-256 with SHA-1, and the stored copy. The
// bytes are written once, to the copy; the run's archive is its manifest (hashes and stored paths).
std::vector<ChunkSink> item_sinks(SplitDigests& digests, TempCopy& copy) {
  auto sinks = digests.sinks();
  sinks.emplace_back([&copy](const char* d, size_t n) { copy.write(d, n); });
  return sinks;
}

nlohmann::json opt_json(const auto& o) { return o ? nlohmann::json(*o) : nlohmann::json(nullptr); }

}  // namespace

std::string stored_path_for(std::string_view sha256) { return CaseLayout::stored_copy(sha256); }

nlohmann::json EvidenceItem::to_json() const {
  nlohmann::json j = {{"id", id},
                      {"kind", kind},
                      {"source_path", source_path},
                      {"pid", opt_json(pid)},
                      {"status", status},
                      {"collected_at", collected_at}};
  if (stored()) {
    j["sha256"] = digests.sha256;
    j["sha1"] = digests.sha1;
    j["md5"] = digests.md5;
    j["size"] = digests.size;
    j["stored_path"] = stored_path;
  }
  j["owner_uid"] = opt_json(uid);
  j["owner_gid"] = opt_json(gid);
  j["mode"] = opt_json(mode);
  j["mtime"] = opt_json(mtime);
  j["ctime"] = opt_json(ctime);
  if (!note.empty()) j["note"] = note;
  return j;
}

nlohmann::json ArchiveRecord::to_json() const {
  return {{"id", id}, {"stored_path", stored_path}, {"sha256", sha256}, {"size", size}, {"items", items}};
}

EvidenceStore::EvidenceStore(CaseStore& store, const std::string& command, PreserveProgress progress)
    : store_(store), collector_("unmine " UNMINE_VERSION " " + command), progress_(std::move(progress)) {}

EvidenceStore::~EvidenceStore() = default;

// Partial copies and archives left by a run that was killed (tmp/PID-N.part, archives/STAMP-PID-N.tar.zst.part,
// the pid no longer running): their rows stayed 'pending' or 'writing', never counted as preserved.
static void remove_stale_parts(const std::filesystem::path& evidence) {
  std::error_code ec;
  for (const char* sub : {"tmp", "archives"}) {
    for (auto& e : std::filesystem::directory_iterator(evidence / sub, ec)) {
      auto name = e.path().filename().string();
      if (!name.ends_with(".part")) continue;
      auto dash = name.find('-');
      int pid =
          std::atoi(std::string(sub) == "tmp" || dash == std::string::npos ? name.c_str() : name.c_str() + dash + 1);
      if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove(e.path(), ec);
    }
  }
}

void EvidenceStore::ensure_archive() {
  if (archive_) return;
  remove_stale_parts(store_.layout().evidence());
  struct timespec ts {};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  auto stamp = iso8601(ts.tv_sec);  // 2026-11-23T12:00:00Z
  std::string compact;
  for (char c : stamp)
    if (c != '-' && c != ':') compact += c;
  archive_rel_ = CaseLayout::archive(compact + "-" + std::to_string(::getpid()) + "-" +
                                     std::to_string(ts.tv_nsec / 1000) + ".tar.zst");
  archive_ = std::make_unique<RunArchive>(store_.layout().resolve(archive_rel_));
  CaseStore::Transaction tx(store_);
  archive_id_ = EvidenceLog(store_).insert_archive(archive_rel_, collector_);
  store_.custody("archive.started", {{"archive_id", archive_id_}, {"stored_path", archive_rel_}});
  tx.commit();
}

int64_t EvidenceStore::insert_pending(const ItemSource& src) {
  CaseStore::Transaction tx(store_);
  EvidenceRecord row;
  row.kind = src.kind;
  row.source_path = printable(src.source_path);
  row.pid = src.pid;
  row.collected_at = now_iso8601();
  row.collector = collector_;
  row.note = src.note;
  if (src.st) {
    row.owner_uid = src.st->st_uid;
    row.owner_gid = src.st->st_gid;
    row.mode = src.st->st_mode;
    row.mtime = ts_iso(src.st->st_mtim);
    row.ctime = ts_iso(src.st->st_ctim);
  }
  if (archive_id_) row.archive_id = archive_id_;
  auto id = EvidenceLog(store_).insert_item(row);
  tx.commit();
  return id;
}

EvidenceItem EvidenceStore::finish_item(int64_t id, const ItemSource& src, const Digests& d, std::string note) {
  EvidenceItem item;
  item.id = id;
  item.kind = src.kind;
  item.source_path = printable(src.source_path);
  item.pid = src.pid;
  item.digests = d;
  item.stored_path = stored_path_for(d.sha256);
  item.note = std::move(note);
  if (src.st) {
    item.uid = src.st->st_uid;
    item.gid = src.st->st_gid;
    item.mode = src.st->st_mode;
    item.mtime = ts_iso(src.st->st_mtim);
    item.ctime = ts_iso(src.st->st_ctim);
  }
  item.status = "stored";
  CaseStore::Transaction tx(store_);
  item.collected_at = EvidenceLog(store_).item_stored(id, d, item.stored_path, item.note);
  store_.custody("evidence.stored", {{"evidence_id", id},
                                     {"kind", item.kind},
                                     {"source_path", item.source_path},
                                     {"sha256", d.sha256},
                                     {"sha1", d.sha1},
                                     {"md5", d.md5},
                                     {"size", d.size},
                                     {"stored_path", item.stored_path}});
  tx.commit();
  items_.push_back(item);
  if (progress_) progress_(bytes_, items_.size());
  return item;
}

EvidenceItem EvidenceStore::mark_failed(int64_t id, const ItemSource& src, const std::string& why) {
  CaseStore::Transaction tx(store_);
  EvidenceLog(store_).item_failed(id, why);
  store_.custody("evidence.failed",
                 {{"evidence_id", id}, {"source_path", printable(src.source_path)}, {"reason", why}});
  tx.commit();
  EvidenceItem item;
  item.id = id;
  item.kind = src.kind;
  item.source_path = printable(src.source_path);
  item.pid = src.pid;
  item.status = "failed";
  item.note = why;
  item.collected_at = now_iso8601();
  items_.push_back(item);
  return item;
}

EvidenceItem EvidenceStore::record_unavailable(const ItemSource& src, const std::string& status,
                                               const std::string& reason) {
  EvidenceItem item;
  item.kind = src.kind;
  item.source_path = printable(src.source_path);
  item.pid = src.pid;
  item.status = status;
  item.note = reason;
  item.collected_at = now_iso8601();
  CaseStore::Transaction tx(store_);
  EvidenceRecord row;
  row.kind = src.kind;
  row.source_path = item.source_path;
  row.pid = src.pid;
  row.collected_at = item.collected_at;
  row.collector = collector_;
  row.status = status;
  row.note = reason;
  item.id = EvidenceLog(store_).insert_item(row);
  store_.custody(
      "evidence." + status,
      {{"evidence_id", item.id}, {"kind", item.kind}, {"source_path", item.source_path}, {"reason", reason}});
  tx.commit();
  items_.push_back(item);
  return item;
}

std::filesystem::path EvidenceStore::temp_path() {
  auto tmp = store_.layout().evidence_scratch() /
             (std::to_string(::getpid()) + "-" + std::to_string(++tmp_counter_) + ".part");
  std::error_code ec;
  std::filesystem::create_directories(tmp.parent_path(), ec);
  return tmp;
}

UniqueFd EvidenceStore::scratch_file() {
  auto dir = store_.layout().evidence_scratch();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (!fd) throw RuntimeError("scratch file in " + dir.string() + ": " + std::strerror(errno), "evidence");
  return fd;
}

EvidenceItem EvidenceStore::preserve_fd(int fd, ItemSource src) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return record_unavailable(src, "failed", std::strerror(errno));
  if (!src.st) src.st = st;
  if (!S_ISREG(st.st_mode)) return record_unavailable(src, "skipped", "not a regular file: never opened for reading");
  ensure_archive();
  const uint64_t declared = static_cast<uint64_t>(st.st_size);
  auto id = insert_pending(src);  // the row exists before the first byte is read

  FanoutResult r;
  Digests d;
  TempCopy copy(temp_path());
  try {
    SplitDigests digests;
    auto sinks = item_sinks(digests, copy);
    FanoutOptions opt;
    opt.limit = declared;
    const uint64_t before = bytes_;
    const uint64_t done_items = items_.size();
    if (progress_) opt.progress = [&](uint64_t n) { progress_(before + n, done_items); };
    r = fanout_fd(fd, sinks, opt);
    bytes_ += r.bytes;
    d = digests.finish();
    if (r.read_errno)
      return mark_failed(id, src,
                         "read failed after " + std::to_string(r.bytes) + " bytes: " + std::strerror(r.read_errno));
    copy.commit(store_.dir() / stored_path_for(d.sha256));
  } catch (const std::exception& e) {
    mark_failed(id, src, e.what());
    throw;
  }
  std::string note = src.note;
  auto add_note = [&](const std::string& s) { note += (note.empty() ? "" : "; ") + s; };
  if (r.bytes < declared)
    add_note("shrank while read: " + std::to_string(declared) + " bytes at open, " + std::to_string(r.bytes) + " read");
  if (r.hit_limit)
    add_note("grew while read: the first " + std::to_string(declared) + " bytes (its size at open) are preserved");
  return finish_item(id, src, d, note);
}

EvidenceItem EvidenceStore::preserve_bytes(std::string_view data, const ItemSource& src) {
  ensure_archive();
  auto id = insert_pending(src);
  Digests d;
  TempCopy copy(temp_path());
  try {
    SplitDigests digests;
    fanout_bytes(data, item_sinks(digests, copy));
    bytes_ += data.size();
    d = digests.finish();
    copy.commit(store_.dir() / stored_path_for(d.sha256));
  } catch (const std::exception& e) {
    mark_failed(id, src, e.what());
    throw;
  }
  return finish_item(id, src, d, src.note);
}

EvidenceItem EvidenceStore::preserve_file(const HostRoot& host, std::string_view path, const std::string& kind,
                                          std::optional<int> pid) {
  ItemSource src{kind, std::string(path), pid, std::nullopt, ""};
  auto lst = host.lstat(path);
  if (!lst) return record_unavailable(src, "failed", "not found or unreadable");
  src.st = *lst;
  if (S_ISLNK(lst->st_mode)) {
    auto target = host.readlink(path).value_or("");
    src.kind = "symlink";
    src.note = "symlink to " + printable(target) + ": not followed (the link itself is preserved)";
    return preserve_bytes(target, src);
  }
  if (!S_ISREG(lst->st_mode)) {
    const char* what = S_ISFIFO(lst->st_mode)   ? "a FIFO"
                       : S_ISSOCK(lst->st_mode) ? "a socket"
                       : S_ISDIR(lst->st_mode)  ? "a directory"
                                                : "a device";
    return record_unavailable(src, "skipped", std::string(what) + ": never opened for reading");
  }
  auto fd = host.open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
  if (!fd) return record_unavailable(src, "failed", std::string("open: ") + std::strerror(errno));
  src.st.reset();  // the opened file's own metadata (it may have been swapped since lstat)
  return preserve_fd(fd.get(), std::move(src));
}

std::optional<ArchiveRecord> EvidenceStore::finish() {
  if (!archive_) return std::nullopt;
  nlohmann::json manifest_items = nlohmann::json::array();
  int count = 0;
  for (auto& it : items_) {
    manifest_items.push_back(it.to_json());
    if (it.stored()) ++count;
  }
  nlohmann::json manifest = {{"case_uuid", case_uuid(store_)},
                             {"archive", archive_rel_},
                             {"collector", collector_},
                             {"created_at", now_iso8601()},
                             {"items", manifest_items}};
  archive_->add_file("manifest.json", manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                     ::time(nullptr));
  auto digest = archive_->finish();
  ArchiveRecord rec{archive_id_, archive_rel_, digest.sha256, digest.size, count};
  CaseStore::Transaction tx(store_);
  EvidenceLog(store_).archive_stored(archive_id_, digest.sha256, digest.size, count);
  store_.custody("archive.stored", {{"archive_id", archive_id_},
                                    {"stored_path", archive_rel_},
                                    {"sha256", digest.sha256},
                                    {"size", digest.size},
                                    {"items", count}});
  tx.commit();
  archive_.reset();
  return rec;
}

bool is_exe_preserved(const CaseStore& store, std::string_view sha256) {
  return EvidenceLog::has_stored_exe(store, sha256);
}

std::optional<int64_t> stored_evidence_id(const CaseStore& store, std::string_view sha256) {
  return EvidenceLog::newest_stored(store, sha256);
}

}  // namespace unmine
