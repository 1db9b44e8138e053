#include "report/formats.h"

#include "report/render.h"

namespace unmine {
namespace {

std::string pretty(const nlohmann::json& doc) {
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}
nlohmann::json report_document(const nlohmann::json& report) { return report; }
std::string render_json(const nlohmann::json& report) { return pretty(report); }
std::string render_stix_text(const nlohmann::json& report) { return pretty(render_stix(report)); }

}  // namespace

const std::vector<ReportFormat>& report_formats() {
  static const std::vector<ReportFormat> formats = {
      {"md", "Markdown (the default)", render_markdown},
      {"html", "one self-contained HTML file", render_html},
      {"json", "the report document (the default under --json)", render_json, report_document},
      {"stix", "a STIX 2.1 bundle of the indicators", render_stix_text, render_stix},
      {"timeline", "JSON lines for a timeline tool", render_timeline},
  };
  return formats;
}

const ReportFormat* find_report_format(std::string_view name) {
  for (auto& f : report_formats())
    if (f.name == name) return &f;
  return nullptr;
}

std::string report_format_names() {
  std::string out;
  for (auto& f : report_formats()) out += (out.empty() ? "" : ", ") + std::string(f.name);
  return out;
}

}  // namespace unmine
