#include <sstream>

#include "report/fields.h"
#include "report/render.h"
#include "report/report_outline.h"
#include "report/text_escape.h"

namespace unmine {
namespace {

void table(std::ostringstream& o, const ReportTable& t) {
  if (t.rows.empty()) {
    o << "_None._\n\n";
    return;
  }
  o << "|";
  for (auto& h : t.headers) o << ' ' << h << " |";
  o << "\n|";
  for (size_t i = 0; i < t.headers.size(); ++i) o << " --- |";
  o << '\n';
  for (auto& r : t.rows) {
    o << "|";
    for (auto& c : r) o << ' ' << md_cell(c) << " |";
    o << '\n';
  }
  o << '\n';
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
  o << "- Verdict: **" << md_cell(field(s["verdict"], "case")) << "** (severity "
    << md_cell(field(s["verdict"], "severity")) << "; groups: " << md_cell(field(s["verdict"], "groups")) << ")\n";
  if (s["current"].is_object())
    o << "- Last verification: " << md_cell(field(s["current"], "checked_at")) << ": "
      << (s["current"]["clean"].get<bool>() ? "**clean**"
                                            : "**" + md_cell(field(s["current"]["verdict"], "case")) + "**")
      << "\n";
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

  for (auto& section : report_sections(r)) {
    o << "## " << section.title << "\n\n";
    for (auto& t : section.tables) table(o, t);
    if (section.id != "evidence") continue;
    auto& cu = r["evidence"]["custody"];
    o << "Custody chain: " << cu["length"].get<size_t>() << " entries, head `" << md_cell(field(cu, "head_hash"))
      << "` (#" << md_cell(field(cu, "head_seq")) << ", " << md_cell(field(cu, "head_at")) << "); chain "
      << (cu["chain_valid"].get<bool>() ? "verifies" : "**does not verify**") << ".\n\n";
    if (auto left = r["evidence"].value("items_left_out", int64_t{0}); left > 0)
      o << "Listed above: the first " << r["evidence"]["items"].size() << " items; " << left
        << " more are in the case (a limit of the report).\n\n";
  }

  o << "## Resource impact\n\n";
  o << "- Miner processes observed: " << im["processes"].get<size_t>() << "\n";
  o << "- CPU consumed: " << md_cell(display(im["cpu_seconds"])) << " s (" << md_cell(display(im["vcpu_hours"]))
    << " vCPU-hours)\n";
  o << "- Estimated cost: " << md_cell(display(im["estimated_cost"])) << ' ' << md_cell(field(im, "currency")) << " at "
    << md_cell(display(im["cost_per_vcpu_hour"])) << " per vCPU-hour\n";
  o << "- Memory (RSS): "
    << md_cell(im["memory_rss_bytes"].is_null() ? std::string("not recorded")
                                                : display(im["memory_rss_bytes"]) + " bytes")
    << "\n";
  o << "- Pool endpoints: "
    << md_cell(im["pool_endpoints"].empty() ? std::string("none recorded") : display(im["pool_endpoints"])) << "\n";
  o << "- Basis: " << md_cell(field(im, "basis")) << "\n";
  return o.str();
}

}  // namespace unmine
