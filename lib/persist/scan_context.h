#pragma once
// What every persistence reader shares: the host, the rules, the incident, the users, and one place that
// turns a judged line into a finding (and, when tied, into an artifact unpersist can neutralise).
#include <sys/types.h>

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
      : kind(std::move(kind_)), group(group_), path(std::move(path_)), line(line_), raw_line(std::move(raw_line_)),
        user(std::move(user_)), unit(std::move(unit_)) {}
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
  std::vector<PasswdEntry> users;  // with distinct, usable home folders

  static constexpr size_t kMaxFile = 1 << 20;  // persistence files are small; bigger ones are cut

  // Reads a regular file once for its lines (a second path to the same inode, e.g. /lib -> /usr/lib, gives
  // nullopt). A cut file is an anomaly. A binary file (ELF, NUL bytes) is never read as lines: it gives
  // nullopt and is judged as a whole of `kind` by its hash and inode (judge_binary).
  std::optional<FileContent> read_once(const std::string& path, std::string_view kind, size_t max = kMaxFile);
  // Names in a folder, sorted; "." entries and editor backups kept (cron ignores them, attackers know).
  std::vector<std::string> names_in(const std::string& dir) const;
  void anomaly(const std::string& path, std::optional<int> line, const std::string& message);
  void anomalies(const std::string& path, const std::vector<LineAnomaly>& list);

  // Judges `text` for the candidate: tied → high finding + artifact; lookalike → info finding.
  Tie consider(const Candidate& c, std::string_view text);
  // A binary in a persistence location: tied by the incident's executable hash or inode only (its strings
  // say nothing: "node" occurs in any ELF); one no package installed is shown for the responder to judge.
  void judge_binary(std::string_view kind, const std::string& path, const FileContent& f);
  // Reports a candidate already judged (severity chosen by the reader). A package's file is never
  // neutralised whole: unmodified, it is only shown; modified, only the tied line is removed.
  void report(const Candidate& c, const Tie& tie, Severity severity, bool neutralise, std::string_view text,
              std::string summary = {});

 private:
  std::set<std::pair<dev_t, ino_t>> seen_;
};

std::string join_path(std::string_view dir, std::string_view name);

}  // namespace unmine
