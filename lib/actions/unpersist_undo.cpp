#include <fstream>
#include <sstream>

#include "actions/file_state.h"
#include "actions/unpersist.h"
#include "case/action_log.h"
#include "case/evidence_log.h"
#include "core/error.h"
#include "core/hashing.h"
#include "core/text.h"

namespace unmine {
namespace {

// The preserved bytes, checked against the evidence row. nullopt when missing or altered.
std::optional<std::string> read_copy(const CaseStore& store, int64_t evidence_id) {
  auto copy = EvidenceLog::stored_copy(store, evidence_id);
  if (!copy) return std::nullopt;
  std::ifstream in(store.dir() / copy->stored_path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  auto data = ss.str();
  if (sha256_hex(data) != copy->sha256) return std::nullopt;
  return data;
}

}  // namespace

UnpersistResult undo_unpersist(int64_t action_id, CaseStore& store, const HostRoot& host, Effects& fx) {
  auto found = ActionLog::row(store, action_id);
  if (!found) throw UsageError("no action " + std::to_string(action_id) + " in this case");
  auto& row = *found;
  auto kind = row["kind"].get<std::string>();
  if (!kind.starts_with("unpersist.") || kind == "unpersist.undo")
    throw UsageError("action " + std::to_string(action_id) + " is " + kind + ", not an unpersist change");
  UnpersistResult r;
  r.kind = "unpersist.undo";
  r.undo_of = action_id;
  r.target = json_column(row["target"]);
  r.reason = row["reason"].is_string() ? row["reason"].get<std::string>() : "";
  if (row["evidence_id"].is_number()) r.evidence_id = row["evidence_id"].get<int64_t>();
  auto status = row["status"].get<std::string>();
  if (status == "undone") {
    r.status = "skipped";
    r.note = "already undone";
    return r;
  }
  if (status != "done") {
    r.status = "skipped";
    r.note = "action " + std::to_string(action_id) + " is " + status + ": nothing was changed to undo";
    return r;
  }
  auto undo = json_column(row["undo"]);
  if (!undo.is_object() || !undo.contains("path_hex"))
    throw RuntimeError("action " + std::to_string(action_id) + " has no undo data");
  if (!r.evidence_id) throw RuntimeError("action " + std::to_string(action_id) + " has no preserved copy");
  auto original = read_copy(store, *r.evidence_id);
  if (!original)
    throw RuntimeError("the preserved copy (evidence " + std::to_string(*r.evidence_id) +
                       ") is missing or altered: not restored");

  auto path = hex_decode(undo["path_hex"].get<std::string>());
  auto mode = static_cast<mode_t>(undo.value("mode", 0644));
  auto uid = static_cast<uid_t>(undo.value("uid", 0));
  auto gid = static_cast<gid_t>(undo.value("gid", 0));
  auto before_sha = undo.value("before_sha256", "");
  auto now = read_state(host, path);
  nlohmann::json before_undo = now ? nlohmann::json{{"sha256", now->sha256}} : nlohmann::json{{"removed", true}};

  if (kind == "unpersist.systemctl") {
    auto unit = undo.value("unit", "");
    auto enabled = undo.value("was_enabled", "");
    if (enabled == "enabled" || enabled == "enabled-runtime") {
      auto res = fx.run({"/usr/bin/systemctl", "enable", "--", unit});
      if (res.exit_code != 0) throw RuntimeError("systemctl enable " + unit + ": " + std::string(trim(res.err)));
    }
    if (undo.value("was_active", "") == "active") {
      auto res = fx.run({"/usr/bin/systemctl", "start", "--", unit});
      if (res.exit_code != 0) throw RuntimeError("systemctl start " + unit + ": " + std::string(trim(res.err)));
    }
  } else {
    auto dir = parent_dir(path);
    auto dir_flags = read_inode_flags(host, dir);
    if (dir_flags && (*dir_flags & kProtectFlags)) fx.set_inode_flags(host, dir, *dir_flags & ~kProtectFlags);
    std::optional<std::string> content;  // what to write; nullopt: already as it was
    if (now && now->sha256 == before_sha) {
      r.note = "already as it was";
    } else if (undo.contains("after_sha256")) {
      if (!now || now->sha256 == undo["after_sha256"].get<std::string>()) {
        content = *original;
      } else {
        // Edited since: put the one line back where it was rather than lose the newer edits.
        if (kind != "unpersist.line")
          throw RuntimeError(printable(path) + " changed since the action: restore it by hand from evidence " +
                             std::to_string(*r.evidence_id));
        content = insert_line(now->content, undo.value("line", 0), hex_decode(undo.value("raw_line_hex", "")));
        r.note = "the file changed since: the line was put back, other changes kept";
      }
    } else {
      if (now)
        throw RuntimeError(printable(path) + " exists again and differs from the preserved copy: not overwritten");
      content = *original;
    }
    if (content) {
      if (undo.value("symlink", false))
        fx.make_symlink(host, *content, path);
      else {
        if (now && now->flags && (*now->flags & kProtectFlags))
          fx.set_inode_flags(host, path, *now->flags & ~kProtectFlags);
        fx.write_file(host, path, *content, mode, uid, gid);
      }
    }
    for (auto& l : undo.value("links", nlohmann::json::array())) {
      auto lp = hex_decode(l.value("path_hex", ""));
      if (!host.lstat(lp)) fx.make_symlink(host, hex_decode(l.value("target_hex", "")), lp);
    }
    // The flags go back last: an immutable file cannot be written, an immutable folder not entered.
    if (!undo.value("symlink", false) && undo["flags"].is_number() && (undo["flags"].get<unsigned>() & kProtectFlags))
      fx.set_inode_flags(host, path, undo["flags"].get<unsigned>());
    if (undo["dir_flags"].is_number() && (undo["dir_flags"].get<unsigned>() & kProtectFlags))
      fx.set_inode_flags(host, dir, undo["dir_flags"].get<unsigned>());
    auto restored = read_state(host, path);
    if (!restored) throw RuntimeError(printable(path) + " is not there after restoring it");
    if (r.note.empty() && restored->sha256 != before_sha)
      throw RuntimeError(printable(path) + " does not match the preserved copy after restoring it");
  }

  auto after = read_state(host, path);
  ActionRecord done;
  done.kind = r.kind;
  done.target = r.target;
  done.reason = r.reason;
  done.status = "done";
  done.before = before_undo;
  done.after = after ? nlohmann::json{{"sha256", after->sha256}} : nlohmann::json{{"removed", true}};
  done.evidence_id = r.evidence_id;
  done.undo_of = action_id;
  CaseStore::Transaction tx(store);
  ActionLog log(store);
  r.id = log.insert(done);
  log.mark_undone(action_id);
  store.custody("action.undone", {{"action_id", action_id}, {"undo_action_id", r.id}});
  tx.commit();
  r.status = "done";
  return r;
}

}  // namespace unmine
