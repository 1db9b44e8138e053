// One self-contained HTML file: inline CSS and SVG, no script, no external asset; readable printed.
#include <sstream>

#include "report/fields.h"
#include "report/render.h"
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

void table(std::ostringstream& o, const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
           const std::vector<bool>& mono = {}) {
  if (rows.empty()) {
    o << "<p class=\"none\">None.</p>\n";
    return;
  }
  o << "<table><thead><tr>";
  for (auto& h : header) o << "<th>" << html_escape(h) << "</th>";
  o << "</tr></thead><tbody>\n";
  for (auto& r : rows) {
    o << "<tr>";
    for (size_t i = 0; i < r.size(); ++i)
      o << (i < mono.size() && mono[i] ? "<td class=\"mono\">" : "<td>") << html_escape(r[i]) << "</td>";
    o << "</tr>\n";
  }
  o << "</tbody></table>\n";
}

void findings(std::ostringstream& o, const nlohmann::json& list) {
  std::vector<std::vector<std::string>> rows;
  for (auto& f : list)
    rows.push_back({field(f, "severity"), field(f, "group"), field(f, "kind"), field(f, "summary"), field(f, "path"), field(f, "first_seen")});
  table(o, {"Severity", "Group", "Kind", "Summary", "Path", "First seen"}, rows, {false, false, false, false, true, false});
}

std::string severity_class(const std::string& s) { return "verdict sev-" + (s.empty() ? std::string("none") : s); }

}  // namespace

std::string render_html(const nlohmann::json& r) {
  std::ostringstream o;
  auto& c = r["case"];
  auto& s = r["summary"];
  auto& v = s["verdict"];
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"
       "<title>Incident report " << html_escape(field(c, "uuid")) << "</title>\n<style>" << kStyle << "</style></head><body>\n";
  o << "<h1 id=\"summary\">Incident report: " << html_escape(field(v, "case")) << "</h1>\n";
  o << "<p class=\"meta\">Case <code>" << html_escape(field(c, "uuid")) << "</code> on host <b>" << html_escape(field(c, "hostname"))
    << "</b>, opened " << html_escape(field(c, "created_at")) << ". Generated " << html_escape(field(r["report"], "generated_at"))
    << " by " << html_escape(field(r["report"], "generator")) << ".</p>\n";

  o << "<h2>Summary</h2>\n<p><span class=\"" << html_escape(severity_class(field(v, "severity"))) << "\">"
    << html_escape(field(v, "case")) << " — severity " << html_escape(field(v, "severity")) << "</span></p>\n<dl class=\"kv\">";
  auto kv = [&](const std::string& k, const std::string& val) { o << "<dt>" << html_escape(k) << "</dt><dd>" << html_escape(val) << "</dd>"; };
  kv("Groups", field(v, "groups"));
  if (s["current"].is_object())
    kv("Last verification", field(s["current"], "checked_at") + ": " +
                                (s["current"]["clean"].get<bool>() ? std::string("clean") : field(s["current"]["verdict"], "case")));
  else
    kv("Last verification", "none yet");
  kv("Miners", display(s["miners"]) + (s["families"].empty() ? std::string() : " (families: " + field(s, "families") + ")"));
  kv("Findings", display(s["findings"]));
  kv("Indicators", display(s["indicators"]));
  kv("Evidence items", display(s["evidence_items"]));
  kv("Actions", display(s["actions"]) + " (" + display(s["actions_undone"]) + " undone)");
  kv("Verification checks", display(s["checks"]));
  auto& im = r["impact"];
  kv("Resource impact", human_seconds(im["cpu_seconds"].get<double>()) + " of CPU ≈ " + display(im["estimated_cost"]) + " " +
                            field(im, "currency"));
  o << "</dl>\n";

  o << "<h2 id=\"time-boxes\">Time boxes</h2>\n" << svg_time_boxes(r["time_boxes"], field(c, "created_at"), field(r["report"], "generated_at"));
  std::vector<std::vector<std::string>> rows;
  for (auto& st : r["playbook_steps"])
    rows.push_back({field(st, "title"), field(st, "time_box"), field(st, "state"), field(st, "at"),
                    st.value("late", false) ? "LATE" : "", field(st, "outcome")});
  table(o, {"Step", "Box", "State", "When", "Late", "Outcome"}, rows);

  o << "<h2 id=\"timeline\">Timeline</h2>\n" << svg_timeline(r["timeline"]);
  rows.clear();
  for (auto& e : r["timeline"]) rows.push_back({field(e, "at"), field(e, "kind"), field(e, "message")});
  table(o, {"Time (UTC)", "Event", "What"}, rows, {true, false, false});

  o << "<h2 id=\"miners\">Miners</h2>\n";
  rows.clear();
  for (auto& m : r["miners"]) {
    std::string wallets, pools;
    for (auto& w : m.value("wallets", nlohmann::json::array())) wallets += (wallets.empty() ? "" : ", ") + field(w, "address") + " (" + field(w, "coin") + ")";
    for (auto& p : m.value("pools", nlohmann::json::array())) pools += (pools.empty() ? "" : ", ") + field(p, "url");
    rows.push_back({field(m, "pid"), field(m, "exe"), field(m, "family"), field(m, "version"), field(m, "user"), wallets.empty() ? "-" : wallets,
                    pools.empty() ? "-" : pools, human_seconds(m.value("cpu_seconds", 0.0))});
  }
  table(o, {"PID", "Executable", "Family", "Version", "User", "Wallets", "Pools", "CPU"}, rows, {false, true, false, false, false, true, true, false});

  o << "<h2 id=\"indicators\">Indicators</h2>\n";
  rows.clear();
  for (auto& i : r["indicators"]) rows.push_back({field(i, "type"), field(i, "value"), field(i, "source")});
  table(o, {"Type", "Value", "Source"}, rows, {false, true, false});

  o << "<h2 id=\"findings\">Findings</h2>\n";
  findings(o, r["findings"]);
  o << "<h2 id=\"entry-vector\">Entry vector</h2>\n";
  findings(o, r["entry_vector"]);
  o << "<h2 id=\"tooling\">Tooling found</h2>\n";
  findings(o, r["tooling"]);

  o << "<h2 id=\"evidence\">Evidence</h2>\n";
  rows.clear();
  for (auto& e : r["evidence"]["items"])
    rows.push_back({field(e, "id"), field(e, "kind"), field(e, "source_path"), field(e, "sha256"), field(e, "size"), field(e, "status"),
                    field(e, "collected_at")});
  table(o, {"ID", "Kind", "Source", "SHA-256", "Size", "Status", "Collected"}, rows, {false, false, true, true, false, false, false});
  auto& cu = r["evidence"]["custody"];
  o << "<p>Custody chain: " << html_escape(display(cu["length"])) << " entries; head <code>" << html_escape(field(cu, "head_hash"))
    << "</code> (#" << html_escape(field(cu, "head_seq")) << ", " << html_escape(field(cu, "head_at")) << "); the chain "
    << (cu["chain_valid"].get<bool>() ? "verifies" : "<b class=\"late\">does not verify</b>") << ".</p>\n";

  o << "<h2 id=\"actions\">Actions</h2>\n";
  rows.clear();
  for (auto& a : r["actions"])
    rows.push_back({field(a, "id"), field(a, "kind"), display(a["target"]), field(a, "status"), field(a, "at"), field(a, "undone_at"),
                    field(a, "error")});
  table(o, {"ID", "Kind", "Target", "Status", "At", "Undone", "Error"}, rows, {false, false, true, false, false, false, false});

  o << "<h2 id=\"verification\">Verification history</h2>\n";
  rows.clear();
  for (auto& ch : r["checks"])
    rows.push_back({field(ch, "id"), field(ch, "started_at"), ch["exit_code"] == 0 ? "clean" : field(ch["verdict"], "case"),
                    field(ch, "severity"), field(ch, "findings_count"), field(ch, "exit_code")});
  table(o, {"Check", "At", "Result", "Severity", "Findings", "Exit"}, rows);

  o << "<h2 id=\"impact\">Resource impact</h2>\n<dl class=\"kv\">";
  kv("Miner processes observed", display(im["processes"]));
  kv("CPU consumed", display(im["cpu_seconds"]) + " s (" + display(im["vcpu_hours"]) + " vCPU-hours)");
  kv("Estimated cost", display(im["estimated_cost"]) + " " + field(im, "currency") + " at " + display(im["cost_per_vcpu_hour"]) + " per vCPU-hour");
  kv("Memory (RSS)", im["memory_rss_bytes"].is_null() ? std::string("not recorded") : display(im["memory_rss_bytes"]) + " bytes");
  kv("Pool endpoints", im["pool_endpoints"].empty() ? std::string("none recorded") : display(im["pool_endpoints"]));
  kv("Basis", field(im, "basis"));
  o << "</dl>\n</body></html>\n";
  return o.str();
}

}  // namespace unmine
