#include "case/timeline.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>

#include "case/action_log.h"

namespace unmine {
namespace {

nlohmann::json opt(const std::optional<std::string>& s) { return s ? nlohmann::json(*s) : nlohmann::json(nullptr); }

// Rank of a recorded run's status: the best one stands for the step.
int rank(const std::string& status) {
  if (status == "done") return 5;
  if (status == "running") return 4;
  if (status == "refused") return 3;
  if (status == "failed" || status == "interrupted") return 2;
  if (status == "planned") return 1;
  return 0;
}

}  // namespace

nlohmann::json StepProgress::to_json() const {
  return {{"id", id},         {"title", title}, {"time_box", time_box}, {"critical", critical},
          {"manual", manual}, {"state", state}, {"at", opt(at)},        {"outcome", outcome},
          {"runs", runs},     {"late", late},   {"command", command},   {"commands_done", commands_done}};
}

nlohmann::json TimeBoxProgress::to_json() const {
  return {{"id", id},       {"title", title},          {"minutes", minutes},    {"deadline", deadline},
          {"state", state}, {"done_at", opt(done_at)}, {"done_late", done_late}};
}

nlohmann::json CaseTimeline::to_json() const {
  nlohmann::json b = nlohmann::json::array(), s = nlohmann::json::array(), k = nlohmann::json::array();
  for (auto& x : boxes) b.push_back(x.to_json());
  for (auto& x : steps) s.push_back(x.to_json());
  for (auto& x : blocks)
    k.push_back({{"action_id", x.action_id}, {"kind", x.kind}, {"target", x.target}, {"at", x.at}});
  return {{"created_at", created_at},
          {"now", now},
          {"elapsed_seconds", elapsed_seconds},
          {"current_time_box", current_time_box.empty() ? nlohmann::json(nullptr) : nlohmann::json(current_time_box)},
          {"time_boxes", b},
          {"steps", s},
          {"blocks", k}};
}

CaseTimeline build_timeline(const CaseStore& store, const nlohmann::json& def, int64_t now) {
  return build_timeline(store, store.case_id(), def, now);
}

CaseTimeline build_timeline(const CaseStore& store, int64_t case_id, const nlohmann::json& def, int64_t now) {
  CaseTimeline tl;
  auto c = store.query("SELECT created_at FROM cases WHERE id=?", {case_id});
  tl.created_at = c.empty() ? iso8601(now) : string_at(c[0], "created_at");
  int64_t created = parse_iso8601(tl.created_at).value_or(now);
  tl.now = iso8601(now);
  tl.elapsed_seconds = now - created;

  // The best run of each recorded step id (done beats running beats failed ...), and its latest time.
  struct Run {
    std::string status, at, outcome;
    int runs = 0;
  };
  std::map<std::string, Run> runs;
  for (auto& r : store.query(
           "SELECT step, status, started_at, finished_at, outcome FROM steps WHERE case_id=? ORDER BY id", {case_id})) {
    auto& best = runs[string_at(r, "step")];
    ++best.runs;
    auto status = string_at(r, "status");
    if (rank(status) >= rank(best.status)) {
      best.status = status;
      best.at = string_at(r, "finished_at").empty() ? string_at(r, "started_at") : string_at(r, "finished_at");
      best.outcome = string_at(r, "outcome");
    }
  }

  std::map<std::string, int64_t> deadline_of;
  for (auto& b : def.value("time_boxes", nlohmann::json::array())) {
    TimeBoxProgress box;
    box.id = string_at(b, "id");
    box.title = string_at(b, "title");
    box.minutes = b.value("minutes", int64_t(0));
    deadline_of[box.id] = created + box.minutes * 60;
    box.deadline = iso8601(deadline_of[box.id]);
    tl.boxes.push_back(box);
  }

  for (auto& s : def.value("steps", nlohmann::json::array())) {
    StepProgress p;
    p.id = string_at(s, "id");
    p.title = string_at(s, "title");
    p.time_box = string_at(s, "time_box");
    p.command = string_at(s, "command");
    p.critical = s.value("critical", false);
    p.manual = s.value("manual", false);
    bool all_of = s.value("all_of", false);
    std::vector<std::string> ids = s.value("recorded_by", std::vector<std::string>{p.id});
    int done = 0;
    Run best;
    std::string last_done_at;
    for (auto& id : ids) {
      auto it = runs.find(id);
      if (it == runs.end()) continue;
      p.runs += it->second.runs;
      if (it->second.status == "done") {
        ++done;
        p.commands_done.push_back(id);
        last_done_at = std::max(last_done_at, it->second.at);
      }
      if (rank(it->second.status) > rank(best.status) ||
          (rank(it->second.status) == rank(best.status) && it->second.at > best.at))
        best = it->second;
    }
    bool is_done = all_of ? done == static_cast<int>(ids.size()) : done > 0;
    if (is_done) {
      p.state = "done";
      p.at = last_done_at;
      p.outcome = best.outcome;
    } else if (p.runs > 0) {
      // Partly done (kill without unpersist) still reads as running until every part is done.
      p.state = done > 0 ? "running" : best.status.empty() ? "not_started" : best.status;
      p.at = best.at;
      p.outcome = best.outcome;
    } else if (p.manual) {
      p.state = "manual";
    }
    auto dl = deadline_of.find(p.time_box);
    p.late = !is_done && !p.manual && dl != deadline_of.end() && now > dl->second;
    tl.steps.push_back(p);
  }

  for (auto& box : tl.boxes) {
    bool all_done = true;
    std::string done_at;
    for (auto& p : tl.steps) {
      if (p.time_box != box.id || p.manual) continue;
      if (p.state != "done")
        all_done = false;
      else if (p.at)
        done_at = std::max(done_at, *p.at);
    }
    int64_t deadline = deadline_of[box.id];
    if (all_done) {
      box.state = "done";
      if (!done_at.empty()) {
        box.done_at = done_at;
        box.done_late = parse_iso8601(done_at).value_or(0) > deadline;
      }
    } else if (now > deadline) {
      box.state = "late";
    } else if (tl.current_time_box.empty()) {
      box.state = "running";  // the first open box still in time is where the responder is
      tl.current_time_box = box.id;
    } else {
      box.state = "upcoming";
    }
  }

  // Blocks in force: block actions done and not undone.
  auto in_force = ActionFilter::in_force("block.", {"done"});
  in_force.case_id = case_id;
  for (auto& a : ActionLog::rows(store, in_force)) {
    auto target = nlohmann::json::parse(string_at(a, "target"), nullptr, false);
    tl.blocks.push_back({a["id"].get<int64_t>(), string_at(a, "kind"),
                         target.is_discarded() ? nlohmann::json(string_at(a, "target")) : target, string_at(a, "at")});
  }
  return tl;
}

}  // namespace unmine
