// One self-contained HTML file: inline CSS and SVG, no script, no external asset; readable printed.
#include <sstream>

#include "report/fields.h"
#include "report/render.h"
#include "report/report_outline.h"
#include "report/svg_charts.h"
#include "report/text_escape.h"

namespace unmine {
namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#222;margin:2em auto;max-width:1200px;padding:0 1em}
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #34495e;padding-bottom:.2em;margin-top:1.8em}
.meta{color:#555}.verdict{display:inline-block;padding:.3em .8em;border-radius:4px;color:#fff;font-weight:600}
.sev-none{background:#27ae60}.sev-info{background:#7f8c8d}.sev-low{background:#2980b9}.sev-medium{background:#e67e22}
.sev-high{background:#c0392b}.sev-critical{background:#7b241c}
table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:13px}th,td{border:1px solid #ccc;padding:.3em .5em;
text-align:left;vertical-align:top;word-break:break-word}th{background:#ecf0f1}tr:nth-child(even) td{background:#fafafa}
code,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}.late{color:#c0392b;font-weight:600}
.chart{width:100%;height:auto;border:1px solid #ddd;background:#fff}.chart .lane{font-size:12px;fill:#333}
.chart .axis{font-size:11px;fill:#555}.none{color:#777;font-style:italic}dl.kv{display:grid;grid-template-columns:16em 1fr;gap:.2em 1em}
dl.kv dt{font-weight:600}
@media print{body{margin:0;max-width:none;font-size:11px}h2{page-break-after:avoid}table,svg{page-break-inside:avoid}
a{color:inherit;text-decoration:none}.verdict{border:1px solid #000;color:#000;background:none!important}}
)";

void table(std::ostringstream& o, const ReportTable& t) {
  if (t.rows.empty()) {
    o << "<p class=\"none\">None.</p>\n";
    return;
  }
  o << "<table><thead><tr>";
  for (auto& h : t.headers) o << "<th>" << html_escape(h) << "</th>";
  o << "</tr></thead><tbody>\n";
  for (auto& r : t.rows) {
    o << "<tr>";
    for (size_t i = 0; i < r.size(); ++i)
      o << (i < t.long_values.size() && t.long_values[i] ? "<td class=\"mono\">" : "<td>") << html_escape(r[i])
        << "</td>";
    o << "</tr>\n";
  }
  o << "</tbody></table>\n";
}

std::string severity_class(const std::string& s) { return "verdict sev-" + (s.empty() ? std::string("none") : s); }

}  // namespace

std::string render_html(const nlohmann::json& r) {
  std::ostringstream o;
  auto& c = r["case"];
  auto& s = r["summary"];
  auto& v = s["verdict"];
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src "
       "data:\">\n"
       "<title>Incident report "
    << html_escape(field(c, "uuid")) << "</title>\n<style>" << kStyle << "</style></head><body>\n";
  o << "<h1 id=\"summary\">Incident report: " << html_escape(field(v, "case")) << "</h1>\n";
  o << "<p class=\"meta\">Case <code>" << html_escape(field(c, "uuid")) << "</code> on host <b>"
    << html_escape(field(c, "hostname")) << "</b>, opened " << html_escape(field(c, "created_at")) << ". Generated "
    << html_escape(field(r["report"], "generated_at")) << " by " << html_escape(field(r["report"], "generator"))
    << ".</p>\n";

  o << "<h2>Summary</h2>\n<p><span class=\"" << html_escape(severity_class(field(v, "severity"))) << "\">"
    << html_escape(field(v, "case")) << " — severity " << html_escape(field(v, "severity"))
    << "</span></p>\n<dl class=\"kv\">";
  auto kv = [&](const std::string& k, const std::string& val) {
    o << "<dt>" << html_escape(k) << "</dt><dd>" << html_escape(val) << "</dd>";
  };
  kv("Groups", field(v, "groups"));
  if (s["current"].is_object())
    kv("Last verification",
       field(s["current"], "checked_at") + ": " +
           (s["current"]["clean"].get<bool>() ? std::string("clean") : field(s["current"]["verdict"], "case")));
  else
    kv("Last verification", "none yet");
  kv("Miners",
     display(s["miners"]) + (s["families"].empty() ? std::string() : " (families: " + field(s, "families") + ")"));
  kv("Findings", display(s["findings"]));
  kv("Indicators", display(s["indicators"]));
  kv("Evidence items", display(s["evidence_items"]));
  kv("Actions", display(s["actions"]) + " (" + display(s["actions_undone"]) + " undone)");
  kv("Verification checks", display(s["checks"]));
  auto& im = r["impact"];
  kv("Resource impact", human_seconds(im["cpu_seconds"].get<double>()) + " of CPU ≈ " + display(im["estimated_cost"]) +
                            " " + field(im, "currency"));
  o << "</dl>\n";

  for (auto& section : report_sections(r)) {
    o << "<h2 id=\"" << section.id << "\">" << section.title << "</h2>\n";
    if (section.id == "time-boxes")
      o << svg_time_boxes(r["time_boxes"], field(c, "created_at"), field(r["report"], "generated_at"));
    if (section.id == "timeline") o << svg_timeline(r["timeline"]);
    for (auto& t : section.tables) table(o, t);
    if (section.id != "evidence") continue;
    auto& cu = r["evidence"]["custody"];
    o << "<p>Custody chain: " << html_escape(display(cu["length"])) << " entries; head <code>"
      << html_escape(field(cu, "head_hash")) << "</code> (#" << html_escape(field(cu, "head_seq")) << ", "
      << html_escape(field(cu, "head_at")) << "); the chain "
      << (cu["chain_valid"].get<bool>() ? "verifies" : "<b class=\"late\">does not verify</b>") << ".</p>\n";
    if (auto left = r["evidence"].value("items_left_out", int64_t{0}); left > 0)
      o << "<p>Listed above: the first " << r["evidence"]["items"].size() << " items; " << left
        << " more are in the case (a limit of the report).</p>\n";
  }

  o << "<h2 id=\"impact\">Resource impact</h2>\n<dl class=\"kv\">";
  kv("Miner processes observed", display(im["processes"]));
  kv("CPU consumed", display(im["cpu_seconds"]) + " s (" + display(im["vcpu_hours"]) + " vCPU-hours)");
  kv("Estimated cost", display(im["estimated_cost"]) + " " + field(im, "currency") + " at " +
                           display(im["cost_per_vcpu_hour"]) + " per vCPU-hour");
  kv("Memory (RSS)",
     im["memory_rss_bytes"].is_null() ? std::string("not recorded") : display(im["memory_rss_bytes"]) + " bytes");
  kv("Pool endpoints", im["pool_endpoints"].empty() ? std::string("none recorded") : display(im["pool_endpoints"]));
  kv("Basis", field(im, "basis"));
  o << "</dl>\n</body></html>\n";
  return o.str();
}

}  // namespace unmine
