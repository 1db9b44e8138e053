#pragma once
// What every persistence reader shares: the host, the rules, the incident, the users and homes, the
// compromise window, and one place that turns a judged entry into a finding (and, when tied or malicious,
// into an artifact unpersist can neutralise). Each location file read is inventoried: at the end, a file
// with no tied or malicious entry is new (changed in the window: one low finding) or known (counted).
#include <sys/types.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/dpkg_db.h"
#include "host/passwd.h"
#include "persist/persistence.h"
#include "persist/rules.h"

namespace unmine {

// A line a pure parser could not make sense of.
struct LineAnomaly {
  int line = 0;
  std::string message;
  bool operator==(const LineAnomaly&) const = default;
};

// One thing that can start code, as a reader found it, before it is judged.
struct Candidate {
  Candidate(std::string kind_, Group group_, std::string path_, std::optional<int> line_, std::string raw_line_,
            std::string user_, std::optional<std::string> unit_ = {})
      : kind(std::move(kind_)),
        group(group_),
        path(std::move(path_)),
        line(line_),
        raw_line(std::move(raw_line_)),
        user(std::move(user_)),
        unit(std::move(unit_)) {}
  std::string kind;  // contract finding kind
  Group group = Group::persistence;
  std::string path;  // raw
  std::optional<int> line;
  std::string raw_line;  // the line's bytes (line artifacts), or what identifies the artifact
  std::string user;
  std::optional<std::string> unit;
  Neutralise how = Neutralise::line;
  std::vector<std::string> links;
  bool user_unit = false;
  std::string entry;
};

class ScanContext {
 public:
  ScanContext(const HostRoot& host, const PersistenceRules& rules, const IncidentIndicators& incident,
              const DpkgDatabase& dpkg, PersistenceScan& out);

  const HostRoot& host;
  const PersistenceRules& rules;
  const IncidentIndicators& incident;  // without the names too common to tie alone
  const DpkgDatabase& dpkg;
  PersistenceScan& out;
  // Users with distinct, usable home folders; /root and every /home/* folder too, whatever passwd says (a
  // deleted account's files still run): those carry the folder's name and its owner's uid.
  std::vector<PasswdEntry> users;

  static constexpr size_t kMaxFile = 1 << 20;  // persistence files are small; bigger ones are cut
  static constexpr int kMaxScriptDepth = 3;    // a line, the script it runs, the one that runs, and one more

  // Reads a regular file once as an entry file of location `kind` (a second path to the same inode, e.g.
  // /lib -> /usr/lib, gives nullopt) and inventories it. FIFOs, devices and folders are never read (a
  // note); a cut file is an anomaly. A binary file (ELF, NUL bytes) is never read as lines: it gives
  // nullopt and is judged as a whole of `kind` by its hash and inode (judge_binary).
  std::optional<FileContent> read_once(const std::string& path, std::string_view kind, size_t max = kMaxFile);
  // Names in a folder, sorted; "." entries and editor backups kept (cron ignores them, attackers know).
  std::vector<std::string> names_in(const std::string& dir) const;
  void anomaly(const std::string& path, std::optional<int> line, const std::string& message);
  void anomalies(const std::string& path, const std::vector<LineAnomaly>& list);

  // Judges an entry's text, then the scripts it runs (to depth 3): a line that runs a tied or malicious
  // script takes the script's class, and the script is reported too (removed whole when it is no
  // package's). Every file it runs or reads is remembered for dormant-miner identification.
  Tie judge(std::string_view text, const Candidate& referrer);
  // Judges `text` for the candidate: tied or malicious → high finding + artifact; lookalike → a finding
  // kept only when its file is new.
  Tie consider(const Candidate& c, std::string_view text);
  // A binary in a persistence location: tied by the incident's executable hash or inode only (its strings
  // say nothing: "node" occurs in any ELF); one no package installed is shown for the responder to judge.
  void judge_binary(std::string_view kind, const std::string& path, const FileContent& f);
  // The inventory's last step: new files get their finding, known ones are counted, immutable and
  // append-only files among them are reported.
  void finish();
  // Reports a candidate already judged (severity chosen by the reader). A package's file is never
  // neutralised whole: unmodified, it is only shown; modified, only the tied line is removed.
  // The finding's class follows the tie (tied, malicious; a lookalike is new when its file is), unless
  // `entry_class` says otherwise.
  void report(const Candidate& c, const Tie& tie, Severity severity, bool neutralise, std::string_view text,
              std::string summary = {}, std::string_view entry_class = {});
  // A file a scanner found by its own reasoning (the name a preloaded hider hides): identified as a dormant
  // miner whatever its entry's class.
  void refer(const std::string& path);

 private:
  struct EntryFile {
    std::string path, kind, user;
    struct stat st {};
  };
  struct ScriptVerdict {
    Tie tie;
    std::optional<int> line;
    std::string text;
  };
  std::optional<ScriptVerdict> judge_script(const std::string& path, int depth, const Candidate& referrer);
  void remember_reference(const std::string& entry_file, const std::string& path);
  bool in_window(const struct stat& st) const { return st.st_mtime >= out.window.start; }
  void report_flags(const std::string& path, const std::string& kind);

  std::set<std::pair<dev_t, ino_t>> seen_;
  std::vector<EntryFile> files_;
  std::map<std::string, std::optional<ScriptVerdict>> scripts_;  // judged (or being judged: a loop) scripts
  std::map<std::string, std::vector<std::string>> references_;   // entry file -> files its entries run or read
  std::map<std::string, std::vector<size_t>> judged_;            // path -> its findings (indices in out.findings)
};

// Absolute paths a command line runs or reads: tokens starting with '/', split at quotes, spaces and shell
// operators; redirect targets (> /tmp/log) and /dev/ paths other than /dev/shm are left out.
std::vector<std::string> paths_in_command(std::string_view text);

std::string join_path(std::string_view dir, std::string_view name);

}  // namespace unmine
