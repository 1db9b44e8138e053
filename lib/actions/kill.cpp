#include "actions/kill.h"

#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "case/action_log.h"
#include "core/error.h"
#include "core/text.h"
#include "evidence/evidence_store.h"

namespace unmine {
namespace {

using Clock = std::chrono::steady_clock;

// A member being worked on: its row, the pidfd that pins it, the image hash taken before the kill.
struct Member {
  KillAction action;
  int pidfd = -1;
  std::string sha256;
  bool stopped = false;
};

Member member_for(KillPlanEntry entry, std::string sha256) {
  Member m;
  m.action.entry = std::move(entry);
  m.sha256 = std::move(sha256);
  return m;
}

// The stored copy that makes a running image preserved (lib/evidence's rule), for actions.evidence_id.
std::optional<int64_t> preserved_exe_evidence(const CaseStore& store, const std::string& sha256) {
  if (sha256.empty() || !is_exe_preserved(store, sha256)) return std::nullopt;
  return stored_evidence_id(store, sha256);
}

bool not_running(char state) { return state == 'T' || state == 't' || state == 'Z' || state == 'X' || state == 'x'; }

nlohmann::json cmdline_json(const std::vector<std::string>& argv) {
  auto j = nlohmann::json::array();
  for (auto& a : argv) j.push_back(printable(a));
  return j;
}

nlohmann::json before_of(const Process& p, const std::string& sha256) {
  return {{"state", std::string(1, p.state)},
          {"exe", printable(p.exe)},
          {"exe_deleted", p.exe_deleted},
          {"sha256", sha256},
          {"cmdline", cmdline_json(p.cmdline)},
          {"cpu_seconds", p.cpu_seconds},
          {"ppid", p.ppid},
          {"user", printable(p.user)},
          {"start_ticks", p.start_ticks}};
}

class Killer {
 public:
  Killer(const ProcessSource& procs, Effects& effects, CaseStore& store, const KillOptions& options)
      : procs_(procs), fx_(effects), store_(store), opt_(options) {}

  ~Killer() {
    for (auto& m : members_)
      if (m.pidfd >= 0) fx_.pidfd_close(m.pidfd);
  }

  KillResult run(const KillPlan& plan) {
    check_preserved(plan);
    for (auto& e : plan.members) members_.push_back(member_for(e, hashes_[e.target.pid]));
    record_pending(0);
    try {
      // Pinned and stopped one by one, parents first: a parent is frozen before its child is touched.
      for (auto& m : members_) pin(m), stop(m);
      freeze_late_children();
    } catch (...) {
      // Never leave a frozen tree behind: the kill was decided and the images are preserved.
      kill_pinned();
      throw;
    }
    kill_pinned();
    confirm_gone();
    record_final();
    KillResult r;
    for (auto& m : members_) r.actions.push_back(m.action);
    r.notes = std::move(notes_);
    return r;
  }

 private:
  const ProcessSource& procs_;
  Effects& fx_;
  CaseStore& store_;
  const KillOptions& opt_;
  std::vector<Member> members_;
  std::map<int, std::string> hashes_;
  std::map<int, std::optional<int64_t>> evidence_;
  std::vector<std::string> notes_;

  // Nothing is lost: the running image of every member must already be in the case.
  void check_preserved(const KillPlan& plan) {
    // Grouped by image: a miner and its forked workers are one executable to preserve.
    std::map<std::string, std::vector<const KillPlanEntry*>> missing;
    std::string pids;
    for (auto& e : plan.members) {
      int pid = e.target.pid;
      auto sha = procs_.exe_sha256(pid);
      hashes_[pid] = sha;
      evidence_[pid] = preserved_exe_evidence(store_, sha);
      if (evidence_[pid]) continue;
      if (sha.empty() && !procs_.read(pid)) continue;  // already gone: nothing left to preserve or kill
      auto& group = missing[sha.empty() ? "unreadable:" + std::to_string(pid) : sha];
      if (group.empty()) pids += " --pid " + std::to_string(pid);
      group.push_back(&e);
    }
    if (missing.empty()) return;
    std::string list;
    for (auto& [sha, entries] : missing) {
      std::string who;
      for (auto* e : entries) who += (who.empty() ? "PID " : ", ") + std::to_string(e->target.pid);
      list += (list.empty() ? "" : "; ") + who + " " + printable(entries.front()->target.exe) +
              (sha.starts_with("unreadable:") ? " (image unreadable)" : " (sha256 " + sha.substr(0, 16) + "…)");
    }
    if (opt_.force) {
      notes_.push_back("--force: killing without a preserved copy of " + list);
      return;
    }
    throw SafetyRefusal("not killing: the executable of " + list +
                        " is not preserved in the case. Run `unmine preserve" + pids +
                        "` first, or pass --force to kill without a copy (a kill cannot be undone)");
  }

  // Pending rows first: a crash mid-kill leaves the case saying what was under way.
  void record_pending(size_t from) {
    CaseStore::Transaction tx(store_);
    auto now = now_iso8601();
    for (size_t i = from; i < members_.size(); ++i) {
      auto& a = members_[i].action;
      a.evidence_id = evidence_[a.entry.target.pid];
      a.before = {{"exe", printable(a.entry.target.exe)},
                  {"sha256", members_[i].sha256},
                  {"cmdline", cmdline_json(a.entry.target.cmdline)}};
      ActionRecord row;
      row.kind = "kill";
      row.target = a.entry.target.to_json();
      row.reason = a.entry.reason;
      row.before = a.before;
      row.evidence_id = a.evidence_id;
      row.at = now;
      a.id = ActionLog(store_).insert(row);
    }
    nlohmann::json pids = nlohmann::json::array();
    for (size_t i = from; i < members_.size(); ++i) pids.push_back(members_[i].action.entry.target.pid);
    store_.custody("kill.started", {{"pids", pids}});
    tx.commit();
  }

  void kill_pinned() {
    for (auto& m : members_)
      if (m.pidfd >= 0 && m.action.status == "pending" &&
          !fx_.signal_pidfd(m.pidfd, m.action.entry.target.pid, SIGKILL) && errno != ESRCH)
        fail(m, std::string("SIGKILL: ") + std::strerror(errno));
  }

  void fail(Member& m, std::string error) {
    m.action.status = "failed";
    if (m.action.error.empty()) m.action.error = std::move(error);
  }

  void skip(Member& m, std::string why) {
    m.action.status = "skipped";
    m.action.error = std::move(why);
    if (m.pidfd >= 0) fx_.pidfd_close(m.pidfd);
    m.pidfd = -1;
  }

  // The pidfd pins one process; the start time read after opening it proves it is the planned one.
  void pin(Member& m) {
    const auto& t = m.action.entry.target;
    m.pidfd = fx_.pidfd_open(t.pid);
    if (m.pidfd < 0) {
      int e = errno;
      if (e == ESRCH) return skip(m, "gone before the kill");
      return fail(m, std::string("pidfd_open: ") + std::strerror(e));
    }
    auto now = procs_.read(t.pid);
    if (!now) return skip(m, "gone before the kill");
    if (now->start_ticks != t.start_ticks)
      return skip(m, "PID " + std::to_string(t.pid) + " now belongs to another process (started at tick " +
                         std::to_string(now->start_ticks) + ", planned " + std::to_string(t.start_ticks) +
                         "): not signalled");
    m.action.before = before_of(*now, m.sha256);
  }

  void stop(Member& m) {
    if (m.pidfd < 0 || m.action.status != "pending") return;
    if (fx_.signal_pidfd(m.pidfd, m.action.entry.target.pid, SIGSTOP) || errno == ESRCH) return;
    fail(m, std::string("SIGSTOP: ") + std::strerror(errno));
  }

  bool is_member(int pid) const {
    for (auto& m : members_)
      if (m.action.entry.target.pid == pid) return true;
    return false;
  }

  Member& member(int pid) {
    for (auto& m : members_)
      if (m.action.entry.target.pid == pid) return m;
    throw RuntimeError("internal: PID " + std::to_string(pid) + " is not a member");
  }

  // A member may have forked between the plan and its SIGSTOP. Once the known members show as stopped
  // they cannot fork again, so a scan then finds every such child: pin and stop those, and repeat.
  void freeze_late_children() {
    for (int round = 0; round < 10; ++round) {
      wait_stopped();
      size_t before = members_.size();
      for (auto& p : procs_.all()) {
        if (is_member(p.pid) || !is_member(p.ppid)) continue;
        const KillPlanEntry& parent = member(p.ppid).action.entry;
        KillPlanEntry e{KillTarget::of(p), KillRole::descendant,
                        "descendant of PID " + std::to_string(p.ppid) + " (forked during the freeze)", parent.tree,
                        parent.depth + 1};
        auto sha = procs_.exe_sha256(p.pid);
        evidence_[p.pid] = preserved_exe_evidence(store_, sha);
        members_.push_back(member_for(std::move(e), sha));
      }
      if (members_.size() == before) break;
      record_pending(before);
      for (size_t i = before; i < members_.size(); ++i) pin(members_[i]), stop(members_[i]);
    }
    for (auto& m : members_)
      if (m.pidfd >= 0 && !m.stopped && m.action.status == "pending")
        notes_.push_back("PID " + std::to_string(m.action.entry.target.pid) +
                         " did not show as stopped in time (uninterruptible sleep?); killed anyway");
  }

  bool wait_stopped() {
    auto deadline = Clock::now() + std::chrono::milliseconds(opt_.freeze_timeout_ms);
    for (;;) {
      bool all = true;
      for (auto& m : members_) {
        if (m.pidfd < 0 || m.stopped || m.action.status != "pending") continue;
        auto p = procs_.read(m.action.entry.target.pid);
        m.stopped = !p || p->start_ticks != m.action.entry.target.start_ticks || not_running(p->state);
        all &= m.stopped;
      }
      if (all) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void confirm_gone() {
    auto deadline = Clock::now() + std::chrono::milliseconds(opt_.exit_timeout_ms);
    for (auto& m : members_) {
      if (m.pidfd < 0) continue;
      if (m.action.status != "pending") {
        m.action.after = {{"gone", false}};
        continue;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      bool gone = fx_.pidfd_wait_exit(m.pidfd, m.action.entry.target.pid, static_cast<int>(std::max<int64_t>(left, 0)));
      m.action.after = {{"gone", gone}};
      if (gone) {
        if (m.action.status == "pending") m.action.status = "done";
      } else {
        if (auto p = procs_.read(m.action.entry.target.pid)) m.action.after["state"] = std::string(1, p->state);
        fail(m, "still running after SIGKILL");
      }
    }
  }

  void record_final() {
    CaseStore::Transaction tx(store_);
    nlohmann::json summary = {{"done", 0}, {"failed", 0}, {"skipped", 0}};
    for (auto& m : members_) {
      auto& a = m.action;
      ActionLog(store_).settle(a.id, a.status, a.after.empty() ? nlohmann::json(nullptr) : a.after, printable(a.error),
                               a.before);
      summary[a.status] = summary[a.status].get<int>() + 1;
    }
    store_.custody("kill.finished", summary);
    tx.commit();
  }
};

}  // namespace

nlohmann::json KillAction::to_json() const {
  nlohmann::json j = {{"id", id},
                      {"kind", "kill"},
                      {"target", entry.target.to_json()},
                      {"role", to_string(entry.role)},
                      {"reason", printable(entry.reason)},
                      {"status", status},
                      {"before", before},
                      {"after", after},
                      {"evidence_id", evidence_id ? nlohmann::json(*evidence_id) : nlohmann::json(nullptr)},
                      {"undo", nullptr}};
  if (!error.empty()) j["error"] = printable(error);
  return j;
}

size_t KillResult::count(std::string_view status) const {
  size_t n = 0;
  for (auto& a : actions) n += a.status == status;
  return n;
}

KillResult apply_kill(const KillPlan& plan, const ProcessSource& procs, Effects& effects, CaseStore& store,
                      const KillOptions& options) {
  return Killer(procs, effects, store, options).run(plan);
}

}  // namespace unmine
