#include "persist/scan_context.h"

#include <algorithm>

#include "core/text.h"

namespace unmine {
namespace {

std::string_view describe(std::string_view kind) {
  if (kind == "cron") return "cron job";
  if (kind == "at_job") return "at job";
  if (kind == "systemd") return "systemd unit";
  if (kind == "rc_script") return "boot script";
  if (kind == "ld_preload") return "ld.so.preload entry";
  if (kind == "ssh_key") return "authorized SSH key";
  if (kind == "shell_profile") return "shell profile line";
  if (kind == "xdg_autostart") return "XDG autostart entry";
  if (kind == "udev") return "udev rule";
  if (kind == "sysctl.hugepages") return "huge pages setting";
  if (kind == "net.dns") return "hosts entry";
  return kind;
}

}  // namespace

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out.append(name);
  return out;
}

ScanContext::ScanContext(const HostRoot& h, const PersistenceRules& r, const IncidentIndicators& i, PersistenceScan& o)
    : host(h), rules(r), incident(i), out(o) {
  std::set<std::string> homes;
  for (auto& u : read_passwd(host)) {
    if (u.home.empty() || u.home == "/" || u.home.starts_with("/nonexistent") || u.home.starts_with("/dev/")) continue;
    if (homes.insert(u.home).second) users.push_back(u);
  }
}

std::optional<FileContent> ScanContext::read_once(const std::string& path, size_t max) {
  auto f = host.read(path, max);
  if (!f) return std::nullopt;
  if (!seen_.insert({f->st.st_dev, f->st.st_ino}).second) return std::nullopt;
  if (f->truncated) anomaly(path, std::nullopt, "larger than " + std::to_string(max) + " bytes: only the start was read");
  return f;
}

std::vector<std::string> ScanContext::names_in(const std::string& dir) const {
  std::vector<std::string> names;
  for (auto& e : host.list(dir)) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

void ScanContext::anomaly(const std::string& path, std::optional<int> line, const std::string& message) {
  out.anomalies.push_back({printable(path), line, message});
}

void ScanContext::anomalies(const std::string& path, const std::vector<LineAnomaly>& list) {
  for (auto& a : list) anomaly(path, a.line, a.message);
}

Tie ScanContext::consider(const Candidate& c, std::string_view text) {
  auto tie = rules.judge(text, incident);
  if (tie.level == TieLevel::tied) report(c, tie, Severity::high, true, text);
  else if (tie.level == TieLevel::lookalike) report(c, tie, Severity::info, false, text);
  return tie;
}

void ScanContext::report(const Candidate& c, const Tie& tie, Severity severity, bool neutralise, std::string_view text,
                         std::string summary) {
  // The key names the artifact by its text, not its line number, so ids survive edits above it.
  std::string key = c.path + '\n' + (c.unit ? *c.unit + '\n' : std::string()) + c.raw_line;
  if (summary.empty()) {
    summary = std::string(describe(c.kind)) + (tie.tied() ? " tied to the incident" : " that looks alike; judge by hand") +
              " (" + tie.rule + (tie.indicator.empty() || tie.indicator_type == "pattern" ? "" : ": " + printable(tie.indicator)) +
              ") in " + printable(c.path) + (c.line ? ":" + std::to_string(*c.line) : std::string());
  }
  auto f = make_finding(c.group, c.kind, severity, std::move(summary), key);
  f.path = printable(c.path);
  f.line = c.line;
  f.evidence = {{"text", printable(text.substr(0, 4096))}, {"rule", tie.rule}, {"indicator", printable(tie.indicator)},
                {"indicator_type", tie.indicator_type}};
  if (c.unit) f.evidence["unit"] = printable(*c.unit);
  if (!c.user.empty()) f.evidence["user"] = printable(c.user);
  if (neutralise) {
    PersistenceArtifact a;
    a.kind = c.kind;
    a.path = c.path;
    a.line = c.line;
    a.text = printable(text.substr(0, 4096));
    a.unit = c.unit;
    a.user = c.user;
    a.finding_id = f.id;
    a.tied = true;
    a.how = c.how;
    a.raw_line = c.raw_line;
    a.links = c.links;
    a.user_unit = c.user_unit;
    a.entry = c.entry;
    out.artifacts.push_back(std::move(a));
  }
  out.findings.push_back(std::move(f));
}

}  // namespace unmine
