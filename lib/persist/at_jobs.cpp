#include "persist/at_jobs.h"

#include <charconv>

#include "core/text.h"

namespace unmine {

AtJob parse_at_job(std::string_view text) {
  AtJob job;
  int n = 0;
  bool in_guard = false, commands = false;
  std::string heredoc_end;
  for (auto raw : lines(text)) {
    ++n;
    auto line = trim(raw);
    if (line.starts_with("# atrun uid=")) {
      long uid = 0;
      auto v = line.substr(12);
      if (std::from_chars(v.data(), v.data() + v.size(), uid).ec == std::errc{}) job.uid = uid;
      continue;
    }
    if (line.empty() || line.front() == '#') continue;
    if (!commands && line.starts_with("cd ") && line.ends_with("{")) {
      in_guard = true;
      continue;
    }
    if (in_guard) {
      if (line == "}") in_guard = false, commands = true;
      continue;
    }
    // Newer at wraps the commands in `${SHELL:-/bin/sh} << 'marcinDELIMITERxxxx'`.
    if (commands && heredoc_end.empty() && line.starts_with("${SHELL") && line.find("<<") != std::string_view::npos) {
      auto marker = trim(line.substr(line.find("<<") + 2));
      if (!marker.empty() && (marker.front() == '\'' || marker.front() == '"'))
        marker = marker.substr(1, marker.size() - 2);
      heredoc_end = std::string(marker);
      continue;
    }
    if (!heredoc_end.empty() && line == heredoc_end) continue;
    job.lines.push_back({n, raw, commands});
  }
  if (!commands)
    job.anomalies.push_back({0, "no `cd ... || {` guard: not written by at(1), every line judged as a command"});
  if (!commands)
    for (auto& l : job.lines) l.command = true;
  return job;
}

void scan_at_jobs(ScanContext& ctx) {
  for (std::string dir : {"/var/spool/cron/atjobs", "/var/spool/at"}) {
    for (auto& name : ctx.names_in(dir)) {
      if (name.starts_with(".")) continue;  // .SEQ, the job counter
      auto path = join_path(dir, name);
      auto st = ctx.host.lstat(path);
      if (!st || !S_ISREG(st->st_mode)) continue;  // spool/ holds output of running jobs
      auto f = ctx.read_once(path, "at_job");
      if (!f) continue;
      auto job = parse_at_job(f->data);
      ctx.anomalies(path, job.anomalies);
      std::string user = job.uid ? std::to_string(*job.uid) : "";
      for (auto& u : ctx.users)
        if (job.uid && u.uid == static_cast<uid_t>(*job.uid)) user = u.name;
      // The job is one artifact: the commands are judged first, the copied environment after.
      std::optional<Tie> best;
      const AtJobLine* where = nullptr;
      for (int pass = 0; pass < 2 && !(best && best->tied()); ++pass)
        for (auto& l : job.lines) {
          if (l.command != (pass == 0)) continue;
          auto t = ctx.judge(l.text, Candidate{"at_job", Group::persistence, path, l.line, std::string(l.text), user});
          if (t.level > (best ? best->level : TieLevel::none)) best = t, where = &l;
          if (best && best->tied()) break;
        }
      if (!best || !where) continue;
      Candidate c{"at_job", Group::persistence, path, where->line, std::string(where->text), user};
      c.how = Neutralise::file;
      ctx.report(c, *best, best->tied() ? Severity::high : Severity::info, best->tied(), where->text);
    }
  }
}

}  // namespace unmine
