#include "persist/scan_context.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/hashing.h"
#include "core/iso8601.h"
#include "core/text.h"
#include "persist/immutable.h"

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
  if (kind == "msr") return "MSR setting";
  if (kind == "user.added") return "account";
  return kind;
}

std::string_view class_of(TieLevel level) {
  switch (level) {
    case TieLevel::tied: return "tied";
    case TieLevel::malicious: return "malicious";
    default: return "";
  }
}

bool is_path_separator(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == ';' || c == '&' || c == '|' ||
         c == '(' || c == ')' || c == '`' || c == '<' || c == '>' || c == '=' || c == ',';
}

}  // namespace

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out.append(name);
  return out;
}

std::vector<std::string> paths_in_command(std::string_view text) {
  std::vector<std::string> out;
  bool redirect = false;  // the next word is where output goes, not something run
  for (size_t i = 0; i < text.size();) {
    char c = text[i];
    if (c == '>' || c == '<') redirect = true;
    if (is_path_separator(c)) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && !is_path_separator(text[i])) ++i;
    auto word = text.substr(start, i - start);
    bool was_redirect = std::exchange(redirect, false);
    // Devices and procfs are not programs; /dev/shm is a tmpfs attackers run from.
    bool device = word.starts_with("/dev/") && !word.starts_with("/dev/shm/");
    if (was_redirect || word.size() < 2 || word.front() != '/' || device || word.starts_with("/proc/")) continue;
    if (std::find(out.begin(), out.end(), word) == out.end()) out.emplace_back(word);
  }
  return out;
}

ScanContext::ScanContext(const HostRoot& h, const PersistenceRules& r, const IncidentIndicators& i,
                         const DpkgDatabase& d, PersistenceScan& o)
    : host(h), rules(r), incident(i), dpkg(d), out(o) {
  std::set<std::string> homes;
  for (auto& u : read_passwd(host)) {
    if (u.home.empty() || u.home == "/" || u.home.starts_with("/nonexistent") || u.home.starts_with("/dev/")) continue;
    if (homes.insert(u.home).second) users.push_back(u);
  }
  // A home that passwd no longer lists (the account deleted, its files left) still runs its crontab's
  // jobs and its profile at the next login under a reused name.
  std::vector<std::string> folders{"/root"};
  for (auto& name : names_in("/home")) folders.push_back(join_path("/home", name));
  for (auto& home : folders) {
    auto st = host.lstat(home);
    if (!st || !S_ISDIR(st->st_mode) || !homes.insert(home).second) continue;
    PasswdEntry u;
    u.name = std::string(base_name(home));
    u.uid = st->st_uid;
    u.gid = st->st_gid;
    u.home = home;
    users.push_back(std::move(u));
  }
}

std::optional<FileContent> ScanContext::read_once(const std::string& path, std::string_view kind, size_t max) {
  auto st = host.stat(path);
  if (!st) return std::nullopt;
  if (!S_ISREG(st->st_mode)) {
    // A FIFO would block a reader and a device never ends: both say something is off.
    if (!S_ISDIR(st->st_mode)) anomaly(path, std::nullopt, "not a regular file (FIFO, device or socket): not read");
    return std::nullopt;
  }
  if (seen_.count({st->st_dev, st->st_ino})) return std::nullopt;
  auto f = host.read(path, max);
  if (!f) return std::nullopt;
  if (!seen_.insert({f->st.st_dev, f->st.st_ino}).second) return std::nullopt;
  if (is_binary_content(f->data)) {
    judge_binary(kind, path, *f);
    return std::nullopt;
  }
  if (f->truncated)
    anomaly(path, std::nullopt, "larger than " + std::to_string(max) + " bytes: only the start was read");
  files_.push_back({path, std::string(kind), "", f->st});
  return f;
}

void ScanContext::refer(const std::string& path) {
  auto& list = out.referenced_files;
  if (std::find(list.begin(), list.end(), path) == list.end()) list.push_back(path);
}

void ScanContext::remember_reference(const std::string& entry_file, const std::string& path) {
  auto& list = references_[entry_file];
  if (std::find(list.begin(), list.end(), path) == list.end()) list.push_back(path);
}

std::optional<ScanContext::ScriptVerdict> ScanContext::judge_script(const std::string& path, int depth,
                                                                    const Candidate& referrer) {
  if (depth > kMaxScriptDepth) return std::nullopt;
  // Judged already, or being judged further up the chain (A runs B runs A): nothing new to learn.
  if (auto it = scripts_.find(path); it != scripts_.end()) return it->second;
  scripts_[path] = std::nullopt;
  auto st = host.stat(path);
  if (!st) return std::nullopt;
  if (!S_ISREG(st->st_mode)) {
    if (!S_ISDIR(st->st_mode))
      anomaly(path, std::nullopt,
              "run by " + printable(referrer.path) + " but not a regular file (FIFO, device or socket): not read");
    return std::nullopt;
  }
  remember_reference(referrer.path, path);
  // Only what runs is followed: an executable, or a shell script however its mode is set. A config the
  // line names is remembered for identification, not judged as a script.
  if (!(st->st_mode & 0111) && !path.ends_with(".sh")) return std::nullopt;
  // Executables are identified by detection from their content; only text is judged line by line.
  auto head = host.read(path, 4096);
  if (!head || is_binary_content(head->data)) return std::nullopt;
  auto f = head->truncated ? host.read(path, kMaxFile) : head;
  if (!f) return std::nullopt;
  if (f->truncated)
    anomaly(path, std::nullopt, "script larger than " + std::to_string(kMaxFile) + " bytes: only the start was judged");
  ScriptVerdict best;
  int n = 0;
  for (auto raw : lines(f->data)) {
    ++n;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    auto tie = rules.judge(raw, incident);
    for (auto& p : paths_in_command(raw)) {
      if (tie.level == TieLevel::tied) break;
      if (auto inner = judge_script(p, depth + 1, referrer); inner && inner->tie.level > tie.level)
        tie = {inner->tie.level, "runs." + inner->tie.rule, p, "path"};
    }
    if (tie.level >= TieLevel::malicious && tie.level > best.tie.level) best = {tie, n, std::string(raw)};
    if (best.tie.level == TieLevel::tied) break;
  }
  if (best.tie.level < TieLevel::malicious) return scripts_[path] = ScriptVerdict{};
  // A script that is itself a location file (an init.d script, a cron.hourly job) is reported there.
  if (seen_.count({st->st_dev, st->st_ino})) return scripts_[path] = best;
  Candidate c{referrer.kind, referrer.group, path, best.line, best.text, referrer.user};
  c.how = Neutralise::file;
  report(c, best.tie, Severity::high, true, best.text,
         std::string("script run by ") + std::string(describe(referrer.kind)) + " " + printable(referrer.path) +
             (referrer.line ? ":" + std::to_string(*referrer.line) : std::string()) + ", " +
             std::string(class_of(best.tie.level)) + " (" + best.tie.rule + ") at " + printable(path) + ":" +
             std::to_string(*best.line));
  return scripts_[path] = best;
}

Tie ScanContext::judge(std::string_view text, const Candidate& referrer) {
  auto tie = rules.judge(text, incident);
  for (auto& p : paths_in_command(text)) {
    remember_reference(referrer.path, p);
    // Judged even when the line ties by itself: the script it runs is the attacker's too, and is removed with it.
    if (auto script = judge_script(p, 1, referrer); script && script->tie.level > tie.level)
      tie = {script->tie.level, "runs." + script->tie.rule, p, "path"};
  }
  return tie;
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
  auto tie = judge(text, c);
  if (tie.tied())
    report(c, tie, Severity::high, true, text);
  else if (tie.level == TieLevel::lookalike)
    report(c, tie, Severity::info, false, text);
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
    if (digests && incident.sha256s.count(digests->sha256))
      tie = {TieLevel::tied, "incident.sha256", digests->sha256, "sha256"};
  }
  if (tie.tied()) {
    report(c, tie, Severity::high, true, path);
  } else if (dpkg.present() && !dpkg.owns(path)) {
    report(c, {TieLevel::lookalike, "binary_not_packaged", path, "path"}, Severity::info, false, path,
           "executable that no package installed in " + printable(path) + "; judge it by its hash, not its strings");
  }
}

void ScanContext::report_flags(const std::string& path, const std::string& kind) {
  if (auto f = immutable_file_finding(host, path, describe(kind))) out.findings.push_back(std::move(*f));
}

void ScanContext::finish() {
  auto add_references = [&](const std::string& file) {
    for (auto& p : references_[file])
      if (std::find(out.referenced_files.begin(), out.referenced_files.end(), p) == out.referenced_files.end())
        out.referenced_files.push_back(p);
  };
  for (auto& e : files_) {
    // /etc/hosts and sysctl files are settings, not entries that start code: judged, never classed.
    if (e.kind == "net.dns" || e.kind == "sysctl.hugepages") {
      report_flags(e.path, e.kind);
      continue;
    }
    ++out.inventory.files;
    TieLevel worst = TieLevel::none;
    for (auto i : judged_[e.path])
      if (out.findings[i].entry_class == "tied")
        worst = TieLevel::tied;
      else if (out.findings[i].entry_class == "malicious")
        worst = std::max(worst, TieLevel::malicious);
    bool fresh = in_window(e.st);
    if (worst >= TieLevel::malicious || fresh) add_references(e.path);
    // Attackers lock what they leave (chattr +i on keys, crontabs, units): removal then fails.
    if (worst >= TieLevel::malicious || fresh || e.kind == "ld_preload" || e.kind == "ssh_key")
      report_flags(e.path, e.kind);
    if (worst >= TieLevel::malicious) continue;
    if (!fresh) {
      ++out.inventory.known;
      continue;
    }
    for (auto i : judged_[e.path]) out.findings[i].entry_class = "new";
    ++out.inventory.new_entries;
    auto when = iso8601(e.st.st_mtime);
    auto f = make_finding(Group::persistence, e.kind, Severity::low,
                          std::string(describe(e.kind)) + " file changed in the compromise window (" + when +
                              ", window from " + iso8601(out.window.start) +
                              "): nothing in it ties to the incident; judge by hand",
                          e.path + "\nnew");
    f.path = printable(e.path);
    f.entry_class = "new";
    f.evidence = {
        {"text", ""},    {"rule", "new_in_window"},       {"indicator", printable(e.path)}, {"indicator_type", "path"},
        {"mtime", when}, {"window", out.window.to_json()}};
    out.findings.push_back(std::move(f));
  }
  for (auto& f : out.findings)
    if (f.entry_class == "tied")
      ++out.inventory.tied;
    else if (f.entry_class == "malicious")
      ++out.inventory.malicious;
}

void ScanContext::report(const Candidate& c, const Tie& tie, Severity severity, bool neutralise, std::string_view text,
                         std::string summary, std::string_view entry_class) {
  // The key names the artifact by its text, not its line number, so ids survive edits above it.
  std::string key = c.path + '\n' + (c.unit ? *c.unit + '\n' : std::string()) + c.raw_line;
  if (summary.empty()) {
    summary = std::string(describe(c.kind)) +
              (tie.level == TieLevel::tied ? " tied to the incident"
               : tie.tied()                ? " malicious whatever it runs"
                                           : " that looks alike; judge by hand") +
              " (" + tie.rule +
              (tie.indicator.empty() || tie.indicator_type == "pattern" ? "" : ": " + printable(tie.indicator)) +
              ") in " + printable(c.path) + (c.line ? ":" + std::to_string(*c.line) : std::string());
  }
  auto f = make_finding(c.group, c.kind, severity, std::move(summary), key);
  f.path = printable(c.path);
  f.line = c.line;
  f.entry_class = entry_class.empty() ? class_of(tie.level) : entry_class;
  judged_[c.path].push_back(out.findings.size());
  f.evidence = {{"text", printable(text.substr(0, 4096))},
                {"rule", tie.rule},
                {"indicator", printable(tie.indicator)},
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
