#include "evidence/verify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "case/case_reader.h"
#include "case/evidence_log.h"
#include "case/fleet_store.h"
#include "evidence/digests.h"
#include "evidence/fanout.h"

namespace unmine {
namespace {

constexpr off_t kSmallFile = 1 << 20;

struct FileDigest {
  bool ok = false;
  std::string error;
  Digests d;
};

FileDigest digest_file(const std::filesystem::path& p, const PreserveProgress& progress, uint64_t before,
                       uint64_t items) {
  FileDigest out;
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    out.error = std::strerror(errno);
    return out;
  }
  SplitDigests s;
  // Most items are small (procfs texts, scripts): hashed in one read here, without the fan-out's threads.
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= kSmallFile) {
    std::string data(static_cast<size_t>(st.st_size) + 1, '\0');
    auto n = ::pread(fd.get(), data.data(), data.size(), 0);
    if (n < 0) {
      out.error = std::strerror(errno);
      return out;
    }
    if (static_cast<size_t>(n) <= static_cast<size_t>(st.st_size)) {  // it did not grow meanwhile
      data.resize(static_cast<size_t>(n));
      fanout_bytes(data, s.sinks());
      if (progress) progress(before + data.size(), items);
      out.d = s.finish();
      out.ok = true;
      return out;
    }
  }
  FanoutOptions opt;
  if (progress) opt.progress = [&](uint64_t n) { progress(before + n, items); };
  auto r = fanout_fd(fd.get(), s.sinks(), opt);
  if (r.read_errno) {
    out.error = std::strerror(r.read_errno);
    return out;
  }
  out.d = s.finish();
  out.ok = true;
  return out;
}

// Re-hashes one stored file (an item's copy or an archive) and names each way it differs from its row.
void recheck_stored_file(IntegrityReport& rep, const CaseStore& store, const char* target, int64_t id,
                         const std::string& path, const nlohmann::json& row, std::initializer_list<const char*> digests,
                         const PreserveProgress& progress) {
  auto fd = digest_file(store.layout().resolve(path), progress, rep.bytes, rep.items);
  if (!fd.ok) {
    rep.problems.push_back({target, id, path, "stored file unreadable: " + fd.error});
    return;
  }
  rep.bytes += fd.d.size;
  for (std::string_view k : digests) {
    const auto& got = k == "sha256" ? fd.d.sha256 : k == "sha1" ? fd.d.sha1 : fd.d.md5;
    if (got != string_at(row, std::string(k).c_str()))
      rep.problems.push_back({target, id, path, std::string(k) + " mismatch: the stored file hashes to " + got});
  }
  if (!row["size"].is_number_integer() || fd.d.size != row["size"].get<uint64_t>())
    rep.problems.push_back(
        {target, id, path, "size mismatch: the stored file has " + std::to_string(fd.d.size) + " bytes"});
}

}  // namespace

nlohmann::json IntegrityProblem::to_json() const {
  nlohmann::json j = {{"target", target}, {"id", id}, {"problem", problem}};
  if (!path.empty()) j["path"] = path;
  if (!host.empty()) j["host"] = host;
  return j;
}

nlohmann::json IntegrityReport::to_json() const {
  nlohmann::json p = nlohmann::json::array();
  for (auto& x : problems) p.push_back(x.to_json());
  return {{"intact", intact()},
          {"checked",
           {{"items", items}, {"archives", archives}, {"custody", custody_rows}, {"bytes", bytes}, {"hosts", hosts}}},
          {"incomplete", incomplete},
          {"custody_head", custody_head.empty() ? nlohmann::json(nullptr) : nlohmann::json(custody_head)},
          {"problems", p}};
}

namespace {

// One custody chain (the case's own, or a merged host's as the host wrote it).
std::vector<IntegrityProblem> check_chain(const CaseStore& store, std::optional<int64_t> merged_host, uint64_t* count) {
  std::vector<IntegrityProblem> out;
  std::string prev(64, '0');
  int64_t expect = 1;
  uint64_t n = 0;
  for_each_custody_record(store, merged_host, [&](const nlohmann::json& r) {
    ++n;
    int64_t seq = r["seq"].is_number_integer() ? r["seq"].get<int64_t>() : 0;
    if (seq != expect)
      out.push_back({"custody", seq, "",
                     "sequence gap: expected record " + std::to_string(expect) + ", found " + std::to_string(seq)});
    if (string_at(r, "prev_hash") != prev)
      out.push_back({"custody", seq, "", "prev_hash does not match the hash of the record before it"});
    auto want = custody_hash(string_at(r, "prev_hash"), seq, string_at(r, "at"), string_at(r, "actor"),
                             string_at(r, "event"), string_at(r, "details"));
    if (string_at(r, "hash") != want)
      out.push_back(
          {"custody", seq, "", "hash does not match the record's contents (edited: " + string_at(r, "event") + ")"});
    prev = string_at(r, "hash");
    expect = seq + 1;
  });
  if (count) *count = n;
  return out;
}

}  // namespace

std::vector<IntegrityProblem> verify_custody_chain(const CaseStore& store, uint64_t* count) {
  return check_chain(store, std::nullopt, count);
}

namespace {

// What custody recorded when an item or archive was stored (the fields the database row must repeat).
struct StoredRecord {
  std::string sha256, sha1, md5, stored_path;
  std::optional<int64_t> size;
};

StoredRecord stored_record(const nlohmann::json& d) {
  StoredRecord r{string_at(d, "sha256"), string_at(d, "sha1"), string_at(d, "md5"), string_at(d, "stored_path"),
                 std::nullopt};
  if (d.contains("size") && d["size"].is_number_integer()) r.size = d["size"].get<int64_t>();
  return r;
}

// One case's stored items and archives against its custody records. A merged host's (fleet case): its own
// chain, which names the row ids the host had (`offsets`: how far the merge moved them).
void check_items(IntegrityReport& rep, const CaseStore& store, int64_t case_id, std::optional<int64_t> merged_host,
                 const nlohmann::json& offsets, const PreserveProgress& progress) {
  auto shift = [&offsets](const char* table) {
    return offsets.is_object() && offsets.contains(table) && offsets[table].is_number_integer()
               ? offsets[table].get<int64_t>()
               : int64_t(0);
  };
  // What custody recorded when each item and archive was stored: the database row must still say the same.
  // Every lookup below is by id in a map or set: linear in the case, not rows x records.
  std::map<int64_t, StoredRecord> item_custody, archive_custody;
  for_each_storage_record(store, merged_host, [&](const nlohmann::json& r) {
    auto d = json_column(r["details"]);
    if (!d.is_object()) return;
    if (r["event"] == "evidence.stored" && d.contains("evidence_id") && d["evidence_id"].is_number_integer())
      item_custody[d["evidence_id"].get<int64_t>() + shift("evidence")] = stored_record(d);
    else if (r["event"] == "archive.stored" && d.contains("archive_id") && d["archive_id"].is_number_integer())
      archive_custody[d["archive_id"].get<int64_t>() + shift("archives")] = stored_record(d);
  });

  std::set<int64_t> row_ids;
  EvidenceLog::for_each_item(store, case_id, [&](const nlohmann::json& r) {
    int64_t id = r["id"].get<int64_t>();
    row_ids.insert(id);
    auto status = string_at(r, "status");
    if (status == "pending") {
      ++rep.incomplete;
      return;
    }
    auto c = item_custody.find(id);
    if (status != "stored") {
      if (c != item_custody.end())
        rep.problems.push_back({"evidence", id, c->second.stored_path,
                                "custody records this item as stored but the database says " + status});
      return;
    }
    ++rep.items;
    auto path = string_at(r, "stored_path");
    if (c == item_custody.end()) {
      rep.problems.push_back({"evidence", id, path, "stored item has no custody record"});
    } else {
      auto& rec = c->second;
      const std::pair<const char*, const std::string*> fields[] = {
          {"sha256", &rec.sha256}, {"sha1", &rec.sha1}, {"md5", &rec.md5}, {"stored_path", &rec.stored_path}};
      for (auto [k, v] : fields)
        if (*v != string_at(r, k))
          rep.problems.push_back(
              {"evidence", id, path, std::string("database ") + k + " differs from the custody record"});
      if (!r["size"].is_number_integer() || rec.size != r["size"].get<int64_t>())
        rep.problems.push_back({"evidence", id, path, "database size differs from the custody record"});
    }
    if (path != stored_path_for(string_at(r, "sha256")))
      rep.problems.push_back({"evidence", id, path, "stored path is not the content address of its sha256"});
    recheck_stored_file(rep, store, "evidence", id, path, r, {"sha256", "sha1", "md5"}, progress);
  });
  for (auto& [id, rec] : item_custody)
    if (!row_ids.contains(id))
      rep.problems.push_back(
          {"evidence", id, rec.stored_path, "custody records this item but its database row is gone"});

  std::set<int64_t> archive_ids;
  EvidenceLog::for_each_archive(store, case_id, [&](const nlohmann::json& a) {
    int64_t id = a["id"].get<int64_t>();
    archive_ids.insert(id);
    auto path = string_at(a, "stored_path");
    auto c = archive_custody.find(id);
    if (string_at(a, "status") != "stored") {
      if (c != archive_custody.end())
        rep.problems.push_back(
            {"archive", id, path,
             "custody records this archive as stored but the database says " + string_at(a, "status")});
      return;
    }
    ++rep.archives;
    if (c == archive_custody.end())
      rep.problems.push_back({"archive", id, path, "stored archive has no custody record"});
    else if (c->second.sha256 != string_at(a, "sha256"))
      rep.problems.push_back({"archive", id, path, "database sha256 differs from the custody record"});
    recheck_stored_file(rep, store, "archive", id, path, a, {"sha256"}, progress);
  });
  for (auto& [id, rec] : archive_custody)
    if (!archive_ids.contains(id))
      rep.problems.push_back(
          {"archive", id, rec.stored_path, "custody records this archive but its database row is gone"});
}

}  // namespace

IntegrityReport verify_case_integrity(const CaseStore& store, const PreserveProgress& progress) {
  IntegrityReport rep;
  rep.problems = verify_custody_chain(store, &rep.custody_rows);
  rep.custody_head = custody_head(store);
  check_items(rep, store, store.case_id(), std::nullopt, nullptr, progress);
  // A fleet case: every merged host's own chain and items, each problem naming its host.
  for (auto& h : merged_hosts(store)) {
    auto before = rep.problems.size();
    uint64_t rows = 0;
    for (auto& p : check_chain(store, h.case_id, &rows)) rep.problems.push_back(std::move(p));
    rep.custody_rows += rows;
    check_items(rep, store, h.case_id, h.case_id, h.id_offsets, progress);
    for (auto i = before; i < rep.problems.size(); ++i) rep.problems[i].host = h.name;
    ++rep.hosts;
  }
  return rep;
}

}  // namespace unmine
