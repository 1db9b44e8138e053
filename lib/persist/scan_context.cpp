#include "persist/scan_context.h"

#include <algorithm>

#include "core/hashing.h"
#include "core/text.h"

namespace unmine {
namespace {

// Bytes that are not text to be read as lines: an ELF image, or anything holding a NUL byte.
// An executable, or a file whose start holds NUL bytes. Only the start: a crontab padded with NULs after its
// lines (a hostile host's way to make it look binary) is still read as lines.
bool is_binary_content(std::string_view data) {
  return data.starts_with("\x7f" "ELF") || data.substr(0, 4096).find('\0') != std::string_view::npos;
}

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

ScanContext::ScanContext(const HostRoot& h, const PersistenceRules& r, const IncidentIndicators& i, const DpkgDatabase& d,
                         PersistenceScan& o)
    : host(h), rules(r), incident(i), dpkg(d), out(o) {
  std::set<std::string> homes;
  for (auto& u : read_passwd(host)) {
    if (u.home.empty() || u.home == "/" || u.home.starts_with("/nonexistent") || u.home.starts_with("/dev/")) continue;
    if (homes.insert(u.home).second) users.push_back(u);
  }
}

std::optional<FileContent> ScanContext::read_once(const std::string& path, std::string_view kind, size_t max) {
  auto f = host.read(path, max);
  if (!f) return std::nullopt;
  if (!seen_.insert({f->st.st_dev, f->st.st_ino}).second) return std::nullopt;
  if (is_binary_content(f->data)) {
    judge_binary(kind, path, *f);
    return std::nullopt;
  }
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

void ScanContext::judge_binary(std::string_view kind, const std::string& path, const FileContent& f) {
  Candidate c{std::string(kind), Group::persistence, path, std::nullopt, std::string(base_name(path)), "root"};
  c.how = Neutralise::file;
  Tie tie = rules.judge(path, incident);  // a dropped copy named after the miner, or in its folder
  if (!tie.tied() && incident.inodes.count({static_cast<uint64_t>(f.st.st_dev), static_cast<uint64_t>(f.st.st_ino)}))
    tie = {TieLevel::tied, "incident.inode", std::to_string(f.st.st_dev) + ":" + std::to_string(f.st.st_ino), "inode"};
  if (!tie.tied() && !incident.sha256s.empty()) {
    auto fd = host.open(path);
    auto digests = fd ? hash_fd(fd.get()) : std::nullopt;
    if (digests && incident.sha256s.count(digests->sha256)) tie = {TieLevel::tied, "incident.sha256", digests->sha256, "sha256"};
  }
  if (tie.tied()) {
    report(c, tie, Severity::high, true, path);
  } else if (dpkg.present() && !dpkg.owns(path)) {
    report(c, {TieLevel::lookalike, "binary_not_packaged", path, "path"}, Severity::info, false, path,
           "executable that no package installed in " + printable(path) + "; judge it by its hash, not its strings");
  }
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
  Neutralise how = c.how;
  std::string raw_line = c.raw_line;
  if (neutralise && dpkg.present()) {
    auto pkg = dpkg.lookup(host, c.path);
    if (pkg.state != PackageFileState::not_owned) {
      f.evidence["package"] = printable(pkg.package);
      f.evidence["package_file"] = to_string(pkg.state);
      // A continued entry spans lines a one-line edit would leave behind.
      bool one_line = c.line && !text.empty() && text.back() != '\\' && text.find('\n') == std::string_view::npos;
      if (pkg.state == PackageFileState::unmodified) {
        // What dpkg installed cannot be the attacker's: the tie is a coincidence of words.
        neutralise = false;
        f.severity = Severity::info;
        f.summary += "; an unmodified file of package " + printable(pkg.package) + ": never neutralised";
      } else if (one_line) {
        how = Neutralise::line;
        if (raw_line.empty()) raw_line = std::string(text);
        f.summary += "; a changed file of package " + printable(pkg.package) + ": only this line is removed";
      } else {
        neutralise = false;
        f.summary += "; a changed file of package " + printable(pkg.package) +
                     ": the attacker's line could not be singled out, so nothing is removed; judge by hand";
      }
    }
  }
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
    a.how = how;
    a.raw_line = raw_line;
    a.links = c.links;
    a.user_unit = c.user_unit;
    a.entry = c.entry;
    out.artifacts.push_back(std::move(a));
  }
  out.findings.push_back(std::move(f));
}

}  // namespace unmine
