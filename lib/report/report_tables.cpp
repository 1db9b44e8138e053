#include "report/report_tables.h"

#include "report/fields.h"

namespace unmine {

ReportTable time_boxes_table(const nlohmann::json& r) {
  ReportTable t{{"Time box", "Deadline", "State", "Done at", "Late"}, {}, {}};
  for (auto& b : r["time_boxes"])
    t.rows.push_back({field(b, "title"), field(b, "deadline"), field(b, "state"), field(b, "done_at"),
                      b.value("done_late", false) ? "done late" : ""});
  return t;
}

ReportTable steps_table(const nlohmann::json& r) {
  ReportTable t{{"Step", "Box", "State", "When", "Late", "Outcome"}, {}, {}};
  for (auto& st : r["playbook_steps"])
    t.rows.push_back({field(st, "title"), field(st, "time_box"), field(st, "state"), field(st, "at"),
                      st.value("late", false) ? "LATE" : "", field(st, "outcome")});
  return t;
}

ReportTable timeline_table(const nlohmann::json& r) {
  ReportTable t{{"Time (UTC)", "Event", "What"}, {}, {true, false, false}};
  for (auto& e : r["timeline"]) t.rows.push_back({field(e, "at"), field(e, "kind"), field(e, "message")});
  return t;
}

ReportTable miners_table(const nlohmann::json& r) {
  ReportTable t{{"PID", "Executable", "Family", "Version", "User", "Wallets", "Pools", "CPU"},
                {},
                {false, true, false, false, false, true, true, false}};
  for (auto& m : r["miners"]) {
    std::string wallets, pools;
    for (auto& w : m.value("wallets", nlohmann::json::array()))
      wallets += (wallets.empty() ? "" : ", ") + field(w, "address") + " (" + field(w, "coin") + ")";
    for (auto& p : m.value("pools", nlohmann::json::array())) pools += (pools.empty() ? "" : ", ") + field(p, "url");
    t.rows.push_back({field(m, "pid"), field(m, "exe"), field(m, "family"), field(m, "version"), field(m, "user"),
                      wallets.empty() ? "-" : wallets, pools.empty() ? "-" : pools,
                      human_seconds(m.value("cpu_seconds", 0.0))});
  }
  return t;
}

ReportTable indicators_table(const nlohmann::json& r) {
  ReportTable t{{"Type", "Value", "Source"}, {}, {false, true, false}};
  for (auto& i : r["indicators"]) t.rows.push_back({field(i, "type"), field(i, "value"), field(i, "source")});
  return t;
}

ReportTable findings_table(const nlohmann::json& findings) {
  ReportTable t{
      {"Severity", "Group", "Kind", "Summary", "Path", "First seen"}, {}, {false, false, false, false, true, false}};
  for (auto& f : findings)
    t.rows.push_back({field(f, "severity"), field(f, "group"), field(f, "kind"), field(f, "summary"), field(f, "path"),
                      field(f, "first_seen")});
  return t;
}

ReportTable evidence_table(const nlohmann::json& r) {
  ReportTable t{{"ID", "Kind", "Source", "SHA-256", "Size", "Status", "Collected"},
                {},
                {false, false, true, true, false, false, false}};
  for (auto& e : r["evidence"]["items"])
    t.rows.push_back({field(e, "id"), field(e, "kind"), field(e, "source_path"), field(e, "sha256"), field(e, "size"),
                      field(e, "status"), field(e, "collected_at")});
  return t;
}

ReportTable actions_table(const nlohmann::json& r) {
  ReportTable t{{"ID", "Kind", "Target", "Status", "At", "Undone", "Error"},
                {},
                {false, false, true, false, false, false, false}};
  for (auto& a : r["actions"])
    t.rows.push_back({field(a, "id"), field(a, "kind"), display(a["target"]), field(a, "status"), field(a, "at"),
                      field(a, "undone_at"), field(a, "error")});
  return t;
}

ReportTable checks_table(const nlohmann::json& r) {
  ReportTable t{{"Check", "At", "Result", "Severity", "Findings", "Exit"}, {}, {}};
  for (auto& ch : r["checks"])
    t.rows.push_back({field(ch, "id"), field(ch, "started_at"),
                      ch["exit_code"] == 0 ? "clean" : field(ch["verdict"], "case"), field(ch, "severity"),
                      field(ch, "findings_count"), field(ch, "exit_code")});
  return t;
}

}  // namespace unmine
