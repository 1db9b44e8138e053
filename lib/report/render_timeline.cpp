// The timeline as JSON lines in the form Timesketch imports: datetime (ISO 8601), timestamp_desc, message,
// plus the event's own fields.
#include "report/render.h"

namespace unmine {
namespace {

std::string timestamp_desc(const std::string& kind) {
  if (kind == "process.start") return "Process Start Time";
  if (kind == "file.birth") return "File Creation Time";
  if (kind == "file.modified") return "File Modification Time";
  if (kind == "file.changed") return "File Metadata Change Time";
  if (kind == "evidence.collected") return "Evidence Collection Time";
  if (kind == "net.connection") return "Connection Observed";
  if (kind == "finding") return "First Seen";
  if (kind == "action") return "Action Time";
  if (kind == "action.undone") return "Action Undone Time";
  if (kind == "check") return "Verification Time";
  if (kind == "step.started") return "Step Start Time";
  if (kind == "step.finished") return "Step End Time";
  return "Case Time";
}

}  // namespace

std::string render_timeline(const nlohmann::json& r) {
  std::string out;
  auto uuid = r["case"].value("uuid", std::string());
  auto host = r["case"].value("hostname", std::string());
  for (auto& e : r["timeline"]) {
    nlohmann::json line = e;
    line.erase("at");
    line.erase("kind");
    line["datetime"] = e["at"];
    line["timestamp_desc"] = timestamp_desc(e.value("kind", std::string()));
    line["message"] = e["message"];
    line["event_kind"] = e["kind"];
    line["case_uuid"] = uuid;
    line["hostname"] = host;
    line["data_type"] = "unmine:" + e.value("kind", std::string());
    out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return out;
}

}  // namespace unmine
