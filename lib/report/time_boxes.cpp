#include "report/time_boxes.h"

#include "case/case_store.h"
#include "report/timestamps.h"

namespace unmine {

const std::vector<TimeBox>& playbook_time_boxes() {
  // The SPEC's command table; replaced by the playbook's steps once the case status library reads them.
  static const std::vector<TimeBox> boxes = {
      {"validate", 15 * 60}, {"identify", 15 * 60}, {"preserve", 15 * 60}, {"kill", 60 * 60},
      {"unpersist", 60 * 60}, {"block", 60 * 60},   {"hunt", 4 * 3600},    {"verify", 72 * 3600}};
  return boxes;
}

nlohmann::json time_box_rows(const std::string& created_at, const std::vector<nlohmann::json>& steps, int64_t now) {
  nlohmann::json rows = nlohmann::json::array();
  auto start = unix_seconds(created_at).value_or(0);
  for (auto& box : playbook_time_boxes()) {
    nlohmann::json row = {{"step", box.step},          {"budget_seconds", box.budget_seconds},
                          {"deadline", iso8601(start + box.budget_seconds)},
                          {"started_at", nullptr},     {"finished_at", nullptr},
                          {"status", "not started"},   {"outcome", nullptr},
                          {"runs", 0}};
    int runs = 0;
    for (auto& s : steps) {
      if (s.value("step", "") != box.step) continue;
      ++runs;
      if (row["started_at"].is_null()) row["started_at"] = s["started_at"];
      auto status = s.value("status", "");
      // The step counts as done at its first successful run; later runs (verify's checks) do not move it.
      if (row["status"] != "done") {
        row["status"] = status;
        row["outcome"] = s["outcome"];
        if (status == "done") row["finished_at"] = s["finished_at"];
      }
    }
    row["runs"] = runs;
    bool done = row["status"] == "done";
    auto finished = done ? unix_seconds(row["finished_at"].get<std::string>()) : std::optional<double>(now);
    row["late"] = finished && *finished > static_cast<double>(start + box.budget_seconds);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace unmine
