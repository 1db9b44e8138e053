#include <sstream>

#include "report/fields.h"
#include "report/render.h"
#include "report/text_escape.h"

namespace unmine {
namespace {

void table(std::ostringstream& o, const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) {
    o << "_None._\n\n";
    return;
  }
  o << "|";
  for (auto& h : header) o << ' ' << h << " |";
  o << "\n|";
  for (size_t i = 0; i < header.size(); ++i) o << " --- |";
  o << '\n';
  for (auto& r : rows) {
    o << "|";
    for (auto& c : r) o << ' ' << md_cell(c) << " |";
    o << '\n';
  }
  o << '\n';
}

std::vector<std::vector<std::string>> finding_table(const nlohmann::json& findings) {
  std::vector<std::vector<std::string>> rows;
  for (auto& f : findings)
    rows.push_back({field(f, "severity"), field(f, "group"), field(f, "kind"), field(f, "summary"), field(f, "path"),
                    field(f, "first_seen")});
  return rows;
}

}  // namespace

std::string render_markdown(const nlohmann::json& r) {
  std::ostringstream o;
  auto& c = r["case"];
  auto& s = r["summary"];
  o << "# Incident report: " << md_cell(field(s["verdict"], "case")) << "\n\n";
  o << "Case `" << md_cell(field(c, "uuid")) << "` on host **" << md_cell(field(c, "hostname")) << "**, opened "
    << md_cell(field(c, "created_at")) << ". Generated " << md_cell(field(r["report"], "generated_at")) << " by "
    << md_cell(field(r["report"], "generator")) << ".\n\n";

  o << "## Summary\n\n";
  o << "- Verdict: **" << md_cell(field(s["verdict"], "case")) << "** (severity " << md_cell(field(s["verdict"], "severity"))
    << "; groups: " << md_cell(field(s["verdict"], "groups")) << ")\n";
  if (s["current"].is_object())
    o << "- Last verification: " << md_cell(field(s["current"], "checked_at")) << ": "
      << (s["current"]["clean"].get<bool>() ? "**clean**" : "**" + md_cell(field(s["current"]["verdict"], "case")) + "**") << "\n";
  else
    o << "- Last verification: none yet\n";
  o << "- Miners: " << s["miners"].get<size_t>();
  if (!s["families"].empty()) o << " (families: " << md_cell(field(s, "families")) << ")";
  o << "\n";
  o << "- Findings: " << s["findings"].get<size_t>() << "; indicators: " << s["indicators"].get<size_t>()
    << "; evidence items: " << s["evidence_items"].get<size_t>() << "; actions: " << s["actions"].get<size_t>() << " ("
    << s["actions_undone"].get<int>() << " undone); checks: " << s["checks"].get<size_t>() << "\n";
  auto& im = r["impact"];
  o << "- Resource impact: " << md_cell(human_seconds(im["cpu_seconds"].get<double>())) << " of CPU ≈ "
    << md_cell(display(im["estimated_cost"])) << ' ' << md_cell(field(im, "currency")) << " at "
    << md_cell(display(im["cost_per_vcpu_hour"])) << " per vCPU-hour\n\n";

  o << "## Time boxes\n\n";
  std::vector<std::vector<std::string>> rows;
  for (auto& t : r["time_boxes"])
    rows.push_back({field(t, "title"), field(t, "deadline"), field(t, "state"), field(t, "done_at"),
                    t.value("done_late", false) ? "done late" : ""});
  table(o, {"Time box", "Deadline", "State", "Done at", ""}, rows);
  rows.clear();
  for (auto& st : r["playbook_steps"])
    rows.push_back({field(st, "title"), field(st, "time_box"), field(st, "state"), field(st, "at"),
                    st.value("late", false) ? "LATE" : "", field(st, "outcome")});
  table(o, {"Step", "Box", "State", "When", "", "Outcome"}, rows);

  o << "## Timeline\n\n";
  rows.clear();
  for (auto& e : r["timeline"]) rows.push_back({field(e, "at"), field(e, "kind"), field(e, "message")});
  table(o, {"Time (UTC)", "Event", "What"}, rows);

  o << "## Miners\n\n";
  rows.clear();
  for (auto& m : r["miners"]) {
    std::string wallets, pools;
    for (auto& w : m.value("wallets", nlohmann::json::array())) wallets += (wallets.empty() ? "" : ", ") + field(w, "address") + " (" + field(w, "coin") + ")";
    for (auto& p : m.value("pools", nlohmann::json::array())) pools += (pools.empty() ? "" : ", ") + field(p, "url");
    rows.push_back({field(m, "pid"), field(m, "exe"), field(m, "family"), field(m, "version"), field(m, "user"),
                    wallets.empty() ? "-" : wallets, pools.empty() ? "-" : pools, human_seconds(m.value("cpu_seconds", 0.0))});
  }
  table(o, {"PID", "Executable", "Family", "Version", "User", "Wallets", "Pools", "CPU"}, rows);

  o << "## Indicators\n\n";
  rows.clear();
  for (auto& i : r["indicators"]) rows.push_back({field(i, "type"), field(i, "value"), field(i, "source")});
  table(o, {"Type", "Value", "Source"}, rows);

  o << "## Findings\n\n";
  table(o, {"Severity", "Group", "Kind", "Summary", "Path", "First seen"}, finding_table(r["findings"]));

  o << "## Entry vector\n\n";
  table(o, {"Severity", "Group", "Kind", "Summary", "Path", "First seen"}, finding_table(r["entry_vector"]));
  o << "## Tooling found\n\n";
  table(o, {"Severity", "Group", "Kind", "Summary", "Path", "First seen"}, finding_table(r["tooling"]));

  o << "## Evidence\n\n";
  rows.clear();
  for (auto& e : r["evidence"]["items"])
    rows.push_back({field(e, "id"), field(e, "kind"), field(e, "source_path"), field(e, "sha256"), field(e, "size"),
                    field(e, "status"), field(e, "collected_at")});
  table(o, {"ID", "Kind", "Source", "SHA-256", "Size", "Status", "Collected"}, rows);
  auto& cu = r["evidence"]["custody"];
  o << "Custody chain: " << cu["length"].get<size_t>() << " entries, head `" << md_cell(field(cu, "head_hash")) << "` (#"
    << md_cell(field(cu, "head_seq")) << ", " << md_cell(field(cu, "head_at")) << "); chain "
    << (cu["chain_valid"].get<bool>() ? "verifies" : "**does not verify**") << ".\n\n";

  o << "## Actions\n\n";
  rows.clear();
  for (auto& a : r["actions"])
    rows.push_back({field(a, "id"), field(a, "kind"), display(a["target"]), field(a, "status"), field(a, "at"),
                    field(a, "undone_at"), field(a, "error")});
  table(o, {"ID", "Kind", "Target", "Status", "At", "Undone", "Error"}, rows);

  o << "## Verification history\n\n";
  rows.clear();
  for (auto& ch : r["checks"])
    rows.push_back({field(ch, "id"), field(ch, "started_at"), ch["exit_code"] == 0 ? "clean" : field(ch["verdict"], "case"),
                    field(ch, "severity"), field(ch, "findings_count"), field(ch, "exit_code")});
  table(o, {"Check", "At", "Result", "Severity", "Findings", "Exit"}, rows);

  o << "## Resource impact\n\n";
  o << "- Miner processes observed: " << im["processes"].get<size_t>() << "\n";
  o << "- CPU consumed: " << md_cell(display(im["cpu_seconds"])) << " s (" << md_cell(display(im["vcpu_hours"])) << " vCPU-hours)\n";
  o << "- Estimated cost: " << md_cell(display(im["estimated_cost"])) << ' ' << md_cell(field(im, "currency")) << " at "
    << md_cell(display(im["cost_per_vcpu_hour"])) << " per vCPU-hour\n";
  o << "- Memory (RSS): " << md_cell(im["memory_rss_bytes"].is_null() ? std::string("not recorded") : display(im["memory_rss_bytes"]) + " bytes") << "\n";
  o << "- Pool endpoints: " << md_cell(im["pool_endpoints"].empty() ? std::string("none recorded") : display(im["pool_endpoints"])) << "\n";
  o << "- Basis: " << md_cell(field(im, "basis")) << "\n";
  return o.str();
}

}  // namespace unmine
