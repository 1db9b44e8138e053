#include "report/svg_charts.h"

#include <algorithm>
#include <array>
#include <sstream>

#include "report/fields.h"
#include "report/text_escape.h"
#include "report/timestamps.h"

namespace unmine {
namespace {

struct Lane {
  const char* name;
  const char* color;
  bool (*match)(const std::string&);
};

constexpr std::array<Lane, 6> kLanes = {{
    {"processes", "#c0392b", [](const std::string& k) { return k == "process.start"; }},
    {"files", "#8e44ad", [](const std::string& k) { return k.starts_with("file.") || k == "evidence.collected"; }},
    {"network", "#d35400", [](const std::string& k) { return k == "net.connection"; }},
    {"findings", "#e67e22", [](const std::string& k) { return k == "finding"; }},
    {"actions", "#2980b9", [](const std::string& k) { return k.starts_with("action"); }},
    {"checks & steps", "#27ae60",
     [](const std::string& k) { return k == "check" || k.starts_with("step") || k == "case.created"; }},
}};

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

}  // namespace

std::string svg_timeline(const nlohmann::json& events) {
  constexpr double width = 1000, left = 130, right = 20, lane_h = 34, top = 20;
  double height = top + lane_h * kLanes.size() + 40;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"Timeline of events\" "
       "viewBox=\"0 0 "
    << width << ' ' << height << "\">";
  double lo = 0, hi = 0;
  bool any = false;
  for (auto& e : events) {
    auto t = unix_seconds(e.value("at", std::string()));
    if (!t) continue;
    lo = any ? std::min(lo, *t) : *t;
    hi = any ? std::max(hi, *t) : *t;
    any = true;
  }
  if (hi - lo < 1) hi = lo + 1;
  auto x_of = [&](double t) { return left + (t - lo) / (hi - lo) * (width - left - right); };
  for (size_t i = 0; i < kLanes.size(); ++i) {
    double y = top + lane_h * i + lane_h / 2;
    o << "<text x=\"4\" y=\"" << fmt(y + 4) << "\" class=\"lane\">" << kLanes[i].name << "</text>";
    o << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\"" << fmt(y) << "\" y2=\"" << fmt(y)
      << "\" stroke=\"#ddd\"/>";
  }
  for (auto& e : events) {
    auto t = unix_seconds(e.value("at", std::string()));
    if (!t) continue;
    auto kind = e.value("kind", std::string());
    for (size_t i = 0; i < kLanes.size(); ++i) {
      if (!kLanes[i].match(kind)) continue;
      double y = top + lane_h * i + lane_h / 2;
      o << "<circle cx=\"" << fmt(x_of(*t)) << "\" cy=\"" << fmt(y) << "\" r=\"5\" fill=\"" << kLanes[i].color
        << "\" fill-opacity=\"0.75\"><title>"
        << html_escape(e.value("at", std::string()) + " " + e.value("message", std::string())) << "</title></circle>";
      break;
    }
  }
  double axis_y = top + lane_h * kLanes.size() + 14;
  o << "<text x=\"" << left << "\" y=\"" << fmt(axis_y) << "\" class=\"axis\">"
    << html_escape(any ? events.front().value("at", std::string()) : "") << "</text>";
  o << "<text x=\"" << width - right << "\" y=\"" << fmt(axis_y) << "\" class=\"axis\" text-anchor=\"end\">"
    << html_escape(any ? events.back().value("at", std::string()) : "") << "</text>";
  o << "<text x=\"" << (left + width - right) / 2 << "\" y=\"" << fmt(axis_y + 16)
    << "\" class=\"axis\" text-anchor=\"middle\">" << html_escape(human_seconds(hi - lo))
    << " from first to last event (UTC)</text>";
  o << "</svg>";
  return o.str();
}

std::string svg_time_boxes(const nlohmann::json& boxes, const std::string& created_at, const std::string& now) {
  constexpr double width = 1000, left = 230, bar_w = 520, row_h = 30, top = 10;
  double height = top + row_h * static_cast<double>(boxes.size()) + 10;
  auto start = unix_seconds(created_at).value_or(0);
  auto now_s = unix_seconds(now).value_or(start);
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" aria-label=\"Time boxes\" viewBox=\"0 0 "
    << width << ' ' << height << "\">";
  size_t i = 0;
  for (auto& b : boxes) {
    double y = top + row_h * static_cast<double>(i++);
    double budget = std::max(1.0, b.value("minutes", 1.0) * 60);
    auto state = b.value("state", std::string());
    bool late = state == "late" || b.value("done_late", false);
    double end = b["done_at"].is_string() ? unix_seconds(b["done_at"].get<std::string>()).value_or(now_s) : now_s;
    double used = std::clamp((end - start) / budget, 0.0, 1.0);
    const char* color = late ? "#c0392b" : state == "done" ? "#27ae60" : state == "running" ? "#f1c40f" : "#bdc3c7";
    o << "<text x=\"4\" y=\"" << fmt(y + 18) << "\" class=\"lane\">"
      << html_escape(b.value("title", b.value("id", std::string()))) << "</text>";
    o << "<rect x=\"" << left << "\" y=\"" << fmt(y + 6) << "\" width=\"" << bar_w
      << "\" height=\"16\" fill=\"#ecf0f1\" stroke=\"#95a5a6\"/>";
    o << "<rect x=\"" << left << "\" y=\"" << fmt(y + 6) << "\" width=\"" << fmt(bar_w * used)
      << "\" height=\"16\" fill=\"" << color << "\"/>";
    auto label = human_seconds(budget) + ": " + state + (b.value("done_late", false) ? " (done late)" : "") +
                 (b["done_at"].is_string() ? ", done after " + human_seconds(std::max(0.0, end - start)) : "");
    o << "<text x=\"" << left + bar_w + 10 << "\" y=\"" << fmt(y + 18) << "\" class=\"axis\">" << html_escape(label)
      << "</text>";
  }
  o << "</svg>";
  return o.str();
}

}  // namespace unmine
