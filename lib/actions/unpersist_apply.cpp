#include <optional>

#include "actions/file_state.h"
#include "actions/unpersist.h"
#include "case/action_log.h"
#include "core/error.h"
#include "core/hashing.h"
#include "core/hex.h"
#include "core/text.h"
#include "evidence/evidence_store.h"

namespace unmine {
namespace {

const std::string kSystemctl = "/usr/bin/systemctl";

std::string collector() { return "unmine " UNMINE_VERSION " unpersist"; }

nlohmann::json state_json(const FileState& s) {
  nlohmann::json j{{"sha256", s.sha256},
                   {"size", s.content.size()},
                   {"mode", static_cast<int64_t>(s.st.st_mode & 07777)},
                   {"uid", static_cast<int64_t>(s.st.st_uid)},
                   {"gid", static_cast<int64_t>(s.st.st_gid)},
                   {"inode", static_cast<int64_t>(s.st.st_ino)},
                   {"symlink", s.symlink}};
  if (s.flags) {
    j["flags"] = *s.flags;
    j["immutable"] = (*s.flags & 0x10) != 0;
    j["append_only"] = (*s.flags & 0x20) != 0;
  }
  return j;
}

// systemctl's answers for a unit ("enabled", "active"); the words are its own.
std::pair<std::string, std::string> unit_state(Effects& fx, const std::string& unit) {
  auto en = fx.run({kSystemctl, "is-enabled", "--", unit});
  auto ac = fx.run({kSystemctl, "is-active", "--", unit});
  return {std::string(trim(en.out)), std::string(trim(ac.out))};
}

bool unit_stopped(const std::pair<std::string, std::string>& s) {
  return s.first != "enabled" && s.first != "enabled-runtime" && s.second != "active" && s.second != "activating";
}

void update_action(CaseStore& store, int64_t id, const std::string& status, const nlohmann::json& after,
                   const std::string& error) {
  CaseStore::Transaction tx(store);
  ActionLog(store).settle(id, status, after, error);
  store.custody("action." + status, {{"action_id", id}, {"error", error}});
  tx.commit();
}

// Clears immutable/append-only on a file (and its folder) so it can be replaced; returns what was set.
void clear_protection(Effects& fx, const HostRoot& host, const std::string& path, std::optional<unsigned> flags) {
  if (flags && (*flags & kProtectFlags)) fx.set_inode_flags(host, path, *flags & ~kProtectFlags);
}

}  // namespace

std::vector<UnpersistResult> apply_unpersist(const UnpersistPlan& plan, CaseStore& store, const HostRoot& host,
                                             Effects& fx) {
  std::vector<UnpersistResult> results;
  if (plan.items.empty()) return results;
  guard_unpersist(plan, host, store.dir());
  EvidenceStore evidence(store, collector());
  for (auto& item : plan.items) {
    auto& a = item.artifact;
    UnpersistResult r;
    r.kind = item.action_kind;
    r.target = item.target();
    r.reason = a.finding_id;
    // An artifact left as it is: skipped (nothing to do any more) or failed (it stays on the host).
    auto record_unchanged = [&](const std::string& status, const std::string& why) {
      ActionRecord row;
      row.kind = r.kind;
      row.target = r.target;
      row.reason = r.reason;
      row.status = status;
      row.error = why;
      CaseStore::Transaction tx(store);
      r.id = ActionLog(store).insert(row);
      store.custody("action." + status, {{"action_id", r.id}, {"kind", r.kind}, {"error", why}});
      tx.commit();
      r.status = status;
      r.error = why;
    };
    auto record_skip = [&](const std::string& why) { record_unchanged("skipped", why); };
    // A line in a symlinked file (/etc/cron.d/x -> ../../var/tmp/.c/job) is removed from the file the link
    // leads to; the link is kept, recorded with the undo data, and put back by undo if it went missing.
    std::string path = a.path;
    std::optional<std::string> link_text;
    if (auto lst = host.lstat(a.path);
        lst && S_ISLNK(lst->st_mode) && (r.kind == "unpersist.line" || r.kind == "unpersist.entry")) {
      auto dest = link_destination(host, a.path);
      link_text = host.readlink(a.path);
      if (!dest || !link_text) {
        record_unchanged("failed", "a symlink that leads to no file inside the root: not edited");
        results.push_back(r);
        continue;
      }
      path = *dest;
      r.note = "edited " + printable(path) + ", where the symlink " + printable(a.path) + " leads";
    }
    std::optional<FileState> before;
    try {
      before = read_state(host, path);
    } catch (const Error& e) {
      // Unreadable or too large to edit: the persistence is still in place, which the responder must hear.
      record_unchanged("failed", e.what());
      results.push_back(r);
      continue;
    }
    if (!before) {
      record_skip("gone since the scan");
      results.push_back(r);
      continue;
    }

    // What the file becomes (line edits), or nothing (removals, systemctl).
    std::optional<std::string> after_content;
    if (r.kind == "unpersist.line")
      after_content = remove_line(before->content, a.line.value_or(0), a.raw_line);
    else if (r.kind == "unpersist.entry")
      after_content = remove_entry(before->content, a.line.value_or(0), a.raw_line, a.entry);
    if ((r.kind == "unpersist.line" || r.kind == "unpersist.entry") && !after_content) {
      record_skip("the line changed since the scan: not edited");
      results.push_back(r);
      continue;
    }

    auto dir = parent_dir(path);
    auto dir_flags = read_inode_flags(host, dir);
    nlohmann::json undo{{"path_hex", to_hex(path)},
                        {"path", printable(path)},
                        {"before_sha256", before->sha256},
                        {"mode", static_cast<int64_t>(before->st.st_mode & 07777)},
                        {"uid", static_cast<int64_t>(before->st.st_uid)},
                        {"gid", static_cast<int64_t>(before->st.st_gid)},
                        {"symlink", before->symlink},
                        {"dir_flags", dir_flags ? nlohmann::json(*dir_flags) : nlohmann::json(nullptr)},
                        {"flags", before->flags ? nlohmann::json(*before->flags) : nlohmann::json(nullptr)}};
    if (after_content) {
      undo["after_sha256"] = sha256_hex(*after_content);
      undo["line"] = a.line.value_or(0);
      undo["raw_line_hex"] = to_hex(a.raw_line);
    }
    nlohmann::json links = nlohmann::json::array();
    for (auto& l : a.links)
      if (auto target = host.readlink(l))
        links.push_back({{"path_hex", to_hex(l)}, {"target_hex", to_hex(*target)}, {"path", printable(l)}});
    if (link_text)
      links.push_back({{"path_hex", to_hex(a.path)}, {"target_hex", to_hex(*link_text)}, {"path", printable(a.path)}});
    undo["links"] = links;
    if (r.kind == "unpersist.systemctl") {
      auto s = unit_state(fx, *a.unit);
      undo["unit"] = *a.unit;
      undo["was_enabled"] = s.first;
      undo["was_active"] = s.second;
    }

    // Preserve the bytes just read (stored and fsynced, row 'stored'), then record the pending action:
    // nothing on the host changes before both are committed.
    try {
      auto item = evidence.preserve_bytes(before->content, ItemSource{before->symlink ? "symlink" : "persistence", path,
                                                                      std::nullopt, before->st, "before " + r.kind});
      if (!item.stored()) throw RuntimeError("evidence " + item.status);
      r.evidence_id = item.id;
      ActionRecord row;
      row.kind = r.kind;
      row.target = r.target;
      row.reason = r.reason;
      row.before = state_json(*before);
      row.evidence_id = r.evidence_id;
      row.undo = undo;
      r.id = ActionLog(store).start(row, {{"evidence_id", *r.evidence_id}, {"path", printable(path)}});
    } catch (const std::exception& e) {
      // Nothing was changed: the artifact stays, and the failure is what the responder sees.
      r.status = "failed";
      r.error = std::string("not preserved, not changed: ") + e.what();
      results.push_back(r);
      continue;
    }

    nlohmann::json after;
    std::string error;
    try {
      if (r.kind == "unpersist.systemctl") {
        auto res = fx.run({kSystemctl, "disable", "--now", "--", *a.unit});
        if (res.exit_code != 0)
          throw RuntimeError("systemctl disable --now " + *a.unit + ": " + std::string(trim(res.err)));
        auto s = unit_state(fx, *a.unit);
        after = {{"enabled", s.first}, {"active", s.second}};
        if (!unit_stopped(s)) error = "still " + s.first + "/" + s.second + " after systemctl disable --now";
      } else {
        if (dir_flags && (*dir_flags & kProtectFlags)) clear_protection(fx, host, dir, dir_flags);
        if (!before->symlink) clear_protection(fx, host, path, before->flags);
        if (after_content) {
          fx.write_file(host, path, *after_content, before->st.st_mode & 07777, before->st.st_uid, before->st.st_gid);
          auto now = read_state(host, path);
          after = now ? state_json(*now) : nlohmann::json{{"removed", true}};
          if (!now || now->sha256 != undo["after_sha256"].get<std::string>())
            error = "the file does not hold the edit after writing";
          // A line taken out of a unit (a changed package unit) matters once systemd re-reads it.
          else if (plan.systemd_live && a.kind == "systemd" && !a.user_unit)
            fx.run({kSystemctl, "daemon-reload"});
        } else {
          for (auto& l : a.links)
            if (host.lstat(l)) fx.remove_file(host, l);
          fx.remove_file(host, a.path);
          bool gone = !host.lstat(a.path);
          for (auto& l : a.links) gone = gone && !host.lstat(l);
          after = {{"removed", gone}};
          if (!gone) error = "still present after removal";
          // A removed drop-in only stops mattering once systemd re-reads its configuration.
          if (gone && plan.systemd_live && a.kind == "systemd" && !a.user_unit) fx.run({kSystemctl, "daemon-reload"});
        }
      }
    } catch (const Error& e) {
      error = e.what();
    }
    r.status = error.empty() ? "done" : "failed";
    r.error = error;
    update_action(store, r.id, r.status, after, error);
    results.push_back(r);
  }
  evidence.finish();
  return results;
}

int settle_pending_unpersist(CaseStore& store, const HostRoot& host, Effects& fx) {
  ActionFilter pending;
  pending.kind_prefix = "unpersist.";
  pending.statuses = {"pending"};
  auto rows = ActionLog::rows(store, pending);
  for (auto& row : rows) {
    auto id = row["id"].get<int64_t>();
    auto kind = row["kind"].get<std::string>();
    auto undo = json_column(row["undo"]);
    if (!undo.is_object()) {
      update_action(store, id, "failed", nullptr, "interrupted; undo data unreadable");
      continue;
    }
    auto path = hex_decode(undo.value("path_hex", ""));
    std::optional<FileState> now;
    try {
      now = read_state(host, path);
    } catch (const Error&) {}
    bool took = false;
    if (kind == "unpersist.systemctl")
      took = unit_stopped(unit_state(fx, undo.value("unit", "")));
    else if (undo.contains("after_sha256"))
      took = now && now->sha256 == undo["after_sha256"].get<std::string>();
    else
      took = !now;
    if (took) {
      update_action(store, id, "done", {{"settled", "the change was on disk after an interrupted run"}}, "");
      continue;
    }
    // Not changed: put back protection flags cleared just before the interruption.
    if (now && !now->symlink && undo["flags"].is_number() && now->flags &&
        (undo["flags"].get<unsigned>() & kProtectFlags) != (*now->flags & kProtectFlags) &&
        now->sha256 == undo.value("before_sha256", "")) {
      try {
        fx.set_inode_flags(host, path, undo["flags"].get<unsigned>());
      } catch (const Error&) {}
    }
    update_action(store, id, "failed", nullptr, "interrupted before the change was complete; run unpersist again");
  }
  return static_cast<int>(rows.size());
}

}  // namespace unmine
