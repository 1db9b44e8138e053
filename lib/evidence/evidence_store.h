#pragma once
// Preserving evidence into the case. Each item is read once: the same chunks feed SHA-256, SHA-1, MD5 and
// the stored copy (CASE/evidence/sha256/ab/abcd..., by content), the one place its bytes are written. The
// run's archive is its manifest: every item with its hashes and stored path, sealed by the archive's own
// SHA-256. The evidence row is written 'pending' first and set 'stored' only after the copy is fsynced and
// in place, in one transaction with its custody row: a crash never leaves a half-copied item counted as
// preserved.
//
// Used by preserve, and by kill/unpersist before they change anything:
//   EvidenceStore es(ctx.case_store(), "unpersist");
//   auto item = es.preserve_file(ctx.host(), "/etc/cron.d/x", "persistence");
//   if (!item.stored()) ...   // item.id goes into actions.evidence_id
//   es.finish();              // closes the run's archive (also done by the destructor's caller path)
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "case/case_store.h"
#include "core/hashing.h"
#include "host/host_root.h"

namespace unmine {

class RunArchive;

// What is being preserved, as seen on the host.
struct ItemSource {
  std::string kind;         // exe|config|cmdline|environ|maps|status|fds|cwd_listing|proc|persistence|script|
                            // file|symlink|container_layer|container_meta
  std::string source_path;  // raw bytes as on the host (printable() is applied when recorded)
  std::optional<int> pid;
  std::optional<struct stat> st;  // owner, mode, mtime, ctime of the source
  std::string note;               // said in the manifest and the row (e.g. "symlink, not followed")
};

struct EvidenceItem {
  int64_t id = 0;  // evidence row id (0: nothing recorded)
  std::string kind;
  std::string source_path;  // printable
  std::optional<int> pid;
  std::string status;  // stored | failed | skipped
  Digests digests;
  std::string stored_path;  // relative to the case folder
  std::optional<uint32_t> uid, gid, mode;
  std::optional<std::string> mtime, ctime;
  std::string collected_at;
  std::string note;

  bool stored() const { return status == "stored"; }
  nlohmann::json to_json() const;
};

struct ArchiveRecord {
  int64_t id = 0;
  std::string stored_path;  // relative to the case folder
  std::string sha256;
  uint64_t size = 0;
  int items = 0;
  nlohmann::json to_json() const;
};

// Progress of a run: total bytes read and items done so far.
using PreserveProgress = std::function<void(uint64_t bytes, uint64_t items)>;

class EvidenceStore {
 public:
  // command: the collector recorded on each item ("unmine 0.1.0 preserve").
  EvidenceStore(CaseStore& store, const std::string& command, PreserveProgress progress = {});
  ~EvidenceStore();
  EvidenceStore(const EvidenceStore&) = delete;
  EvidenceStore& operator=(const EvidenceStore&) = delete;

  // A file under the root. A final symlink is not followed: the link itself is preserved (kind symlink,
  // its target as content). FIFOs, sockets and devices are never opened: a 'skipped' row says why.
  // Intermediate symlinks resolve inside the root (HostRoot).
  EvidenceItem preserve_file(const HostRoot& host, std::string_view path, const std::string& kind,
                             std::optional<int> pid = {});
  // An open regular file (e.g. /proc/PID/exe), streamed from its current offset; src.st is taken from
  // fstat when not given.
  EvidenceItem preserve_fd(int fd, ItemSource src);
  // Bytes already read (procfs texts, listings built by the caller).
  EvidenceItem preserve_bytes(std::string_view data, const ItemSource& src);
  // Records an item that could not be collected (status failed or skipped) with the reason.
  EvidenceItem record_unavailable(const ItemSource& src, const std::string& status, const std::string& reason);

  // An anonymous read-write file in the case's evidence/tmp (gone when closed), for items built before
  // they are preserved (a container layer's tar).
  UniqueFd scratch_file();

  // Closes the run's archive (manifest.json inside), fsyncs it and records its hash. nullopt when this
  // run stored nothing. Call once, after the last item.
  std::optional<ArchiveRecord> finish();

  const std::vector<EvidenceItem>& items() const { return items_; }
  uint64_t bytes() const { return bytes_; }

 private:
  int64_t insert_pending(const ItemSource& src);  // row id
  EvidenceItem mark_failed(int64_t id, const ItemSource& src, const std::string& why);
  std::filesystem::path temp_path();
  void ensure_archive();
  EvidenceItem finish_item(int64_t id, const ItemSource& src, const Digests& d, std::string note);

  CaseStore& store_;
  std::string collector_;
  PreserveProgress progress_;
  std::unique_ptr<RunArchive> archive_;
  int64_t archive_id_ = 0;
  std::string archive_rel_;
  std::vector<EvidenceItem> items_;
  uint64_t bytes_ = 0;
  unsigned tmp_counter_ = 0;
};

// True when an evidence row of kind 'exe' with status 'stored' has this SHA-256 (kill's precondition).
bool is_exe_preserved(const CaseStore& store, std::string_view sha256);
// The newest stored item with this SHA-256 (any kind), for actions.evidence_id.
std::optional<int64_t> stored_evidence_id(const CaseStore& store, std::string_view sha256);

// Content-addressed location of a stored copy, relative to the case folder: evidence/sha256/ab/abcd...
std::string stored_path_for(std::string_view sha256);

}  // namespace unmine
