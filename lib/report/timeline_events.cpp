#include "report/timeline_events.h"

#include <algorithm>
#include <set>

#include "case/case_store.h"
#include "report/timestamps.h"

namespace unmine {
namespace {

class Events {
 public:
  void add(const nlohmann::json& when, std::string kind, std::string source, std::string message,
           const nlohmann::json& extra = {}) {
    auto at = as_iso(when);
    if (!at) return;
    nlohmann::json e = {
        {"at", *at}, {"kind", std::move(kind)}, {"source", std::move(source)}, {"message", std::move(message)}};
    if (extra.is_object()) e.update(extra);
    events_.push_back(std::move(e));
  }
  nlohmann::json sorted() {
    std::stable_sort(events_.begin(), events_.end(), [](auto& a, auto& b) {
      return unix_seconds(a["at"].template get<std::string>()).value_or(0) <
             unix_seconds(b["at"].template get<std::string>()).value_or(0);
    });
    return events_;
  }

 private:
  std::vector<nlohmann::json> events_;
};

}  // namespace

nlohmann::json timeline_events(const nlohmann::json& r) {
  Events ev;
  ev.add(r["case"]["created_at"], "case.created", "cases", "case opened on " + string_at(r["case"], "hostname"));
  for (auto& m : r["miners"]) {
    auto who =
        "miner " + std::to_string(m.value("pid", 0)) + " (" + string_at(m, "exe") + ", " + string_at(m, "family") + ")";
    ev.add(m["started_at"], "process.start", "miners", who + " started",
           {{"pid", m.value("pid", 0)}, {"exe", string_at(m, "exe")}});
    if (m.contains("connections") && m["connections"].is_array())
      for (auto& c : m["connections"])
        ev.add(m["first_seen"], "net.connection", "miners",
               who + " connected to " + string_at(c, "remote") + ":" + std::to_string(c.value("remote_port", 0)),
               {{"pid", m.value("pid", 0)},
                {"remote", string_at(c, "remote")},
                {"remote_port", c.value("remote_port", 0)}});
  }
  for (auto& e : r["evidence"]["items"]) {
    auto path = string_at(e, "source_path");
    nlohmann::json extra = {{"evidence_id", e["id"]}, {"path", path}, {"sha256", e["sha256"]}};
    for (auto* col : {"btime", "birth_time"})
      ev.add(e.value(col, nlohmann::json()), "file.birth", "evidence", "file created: " + path, extra);
    ev.add(e.value("mtime", nlohmann::json()), "file.modified", "evidence", "file modified: " + path, extra);
    ev.add(e.value("ctime", nlohmann::json()), "file.changed", "evidence", "file metadata changed: " + path, extra);
    ev.add(e["collected_at"], "evidence.collected", "evidence", "preserved " + string_at(e, "kind") + " " + path,
           extra);
  }
  for (auto& f : r["findings"])
    ev.add(f["first_seen"], "finding", "findings", "[" + string_at(f, "severity") + "] " + string_at(f, "summary"),
           {{"finding_id", f["id"]}, {"group", f["group"]}, {"finding_kind", f["kind"]}});
  for (auto& a : r["actions"]) {
    auto what = string_at(a, "kind") + " (action " + std::to_string(a.value("id", 0)) + ")";
    ev.add(a["at"], "action", "actions", what + ": " + string_at(a, "status"),
           {{"action_id", a["id"]}, {"action_kind", a["kind"]}});
    ev.add(a.value("undone_at", nlohmann::json()), "action.undone", "actions", what + " undone",
           {{"action_id", a["id"]}});
  }
  for (auto& c : r["checks"])
    ev.add(c["started_at"], "check", "checks",
           "verify check " + std::to_string(c.value("id", 0)) + ": " +
               (c.value("exit_code", 0) == 0
                    ? std::string("clean")
                    : std::to_string(c.value("findings_count", 0)) + " finding(s), " + string_at(c["verdict"], "case")),
           {{"check_id", c["id"]}, {"exit_code", c["exit_code"]}});
  for (auto& s : r["steps"]) {
    ev.add(s["started_at"], "step.started", "steps", string_at(s, "step") + " started", {{"step_id", s["id"]}});
    ev.add(s.value("finished_at", nlohmann::json()), "step.finished", "steps",
           string_at(s, "step") + " " + string_at(s, "status") +
               (string_at(s, "outcome").empty() ? "" : ": " + string_at(s, "outcome")),
           {{"step_id", s["id"]}});
  }
  return ev.sorted();
}

}  // namespace unmine
