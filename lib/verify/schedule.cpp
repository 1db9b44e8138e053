#include "verify/schedule.h"

#include <unistd.h>

#include "case/action_log.h"
#include "core/error.h"
#include "core/hashing.h"
#include "core/text.h"
#include "verify/duration.h"

namespace unmine {
namespace {

constexpr const char* kSystemctl = "/usr/bin/systemctl";
constexpr const char* kReason = "verify: re-check the case for the monitoring window";

struct ActiveSchedule {
  int64_t id;
  nlohmann::json undo;
};

std::vector<ActiveSchedule> active_schedules(const CaseStore& store) {
  std::vector<ActiveSchedule> out;
  auto filter = ActionFilter::of_kinds({"verify.schedule"}, {"done", "failed"});
  filter.not_undone = true;
  for (auto& row : ActionLog::rows(store, filter)) {
    auto undo = json_column(row["undo"]);
    if (undo.is_object()) out.push_back({row["id"].get<int64_t>(), undo});
  }
  return out;
}

int64_t insert_action(CaseStore& store, const std::string& kind, const nlohmann::json& target,
                      const nlohmann::json& before, const nlohmann::json& undo, std::optional<int64_t> undo_of) {
  ActionRecord a;
  a.kind = kind;
  a.target = target;
  a.reason = kReason;
  a.before = before;
  a.undo = undo;
  a.undo_of = undo_of;
  return ActionLog(store).start(a);
}

void finish_action(CaseStore& store, int64_t id, const std::string& status, const nlohmann::json& after,
                   const std::string& error, std::optional<int64_t> undoes) {
  std::vector<int64_t> undone;
  if (undoes && status == "done") undone.push_back(*undoes);
  ActionLog(store).finish(id, status, after, error, undone);
}

nlohmann::json action_json(int64_t id, const std::string& kind, const nlohmann::json& target, const std::string& status,
                           const std::string& error) {
  nlohmann::json j = {{"id", id}, {"kind", kind}, {"target", target}, {"status", status}, {"evidence_id", nullptr}};
  if (!error.empty()) j["error"] = error;
  return j;
}

std::string run_systemctl(Effects& effects, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kSystemctl};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = effects.run(argv);
  if (r.exit_code == 0) return {};
  std::string cmd;
  for (auto& a : args) cmd += " " + a;
  return "systemctl" + cmd + ": " + printable(std::string(trim(r.err.empty() ? r.out : r.err)));
}

}  // namespace

bool systemd_running(const HostRoot& host) {
  return host.is_live_root() && host.proc_is_live() && host.lstat("/run/systemd/system").has_value();
}

ScheduleOutcome schedule_verify(CaseStore& store, const HostRoot& host, Effects& effects, const ScheduleSpec& spec,
                                bool apply, bool systemd_live) {
  ScheduleOutcome out;
  auto files = schedule_files(spec);
  auto name = schedule_name(spec.case_uuid);
  nlohmann::json paths = nlohmann::json::array();
  for (auto& f : files) paths.push_back(f.path);
  nlohmann::json target = {
      {"scheduler", spec.scheduler},         {"name", name},        {"every", format_duration(spec.every)},
      {"every_seconds", spec.every.count()}, {"until", spec.until}, {"paths", paths},
      {"command", scheduled_argv(spec)}};
  if (!host.is_live_root())
    out.notes.push_back("the root is not the live system: the schedule runs " + spec.exe + " and the case " +
                        spec.case_dir + " as seen from this machine; make sure they exist there when that system runs");
  // A schedule in a folder the host does not have would never run: say so before writing anything.
  for (auto& f : files) {
    auto folder = f.path.substr(0, f.path.rfind('/'));
    if (!host.exists(folder))
      throw RuntimeError("no " + folder + " on this root: " + (spec.scheduler == "cron" ? "cron" : "systemd") +
                         " is not set up here, so the check would never run; use --scheduler " +
                         (spec.scheduler == "cron" ? "systemd" : "cron") +
                         ", or verify --watch in a session that stays open");
  }
  if (spec.scheduler == "systemd" && !systemd_live)
    out.notes.emplace_back("systemd is not running on this root: the timer is written but not enabled");
  if (!apply) {
    for (auto& f : files)
      out.plan.push_back({{"kind", "verify.schedule"},
                          {"target", {{"path", f.path}, {"scheduler", spec.scheduler}, {"name", name}}},
                          {"reason", kReason},
                          {"content", f.content}});
    return out;
  }
  // One schedule per case: a new window replaces the old one.
  if (!active_schedules(store).empty())
    for (auto& a : unschedule_verify(store, host, effects, true, systemd_live).actions) out.actions.push_back(a);

  nlohmann::json undo_files = nlohmann::json::array(), before = nlohmann::json::array(),
                 after = nlohmann::json::array();
  for (auto& f : files) {
    auto existing = host.read(f.path);
    undo_files.push_back({{"path", f.path},
                          {"sha256", sha256_hex(f.content)},
                          {"previous", existing ? nlohmann::json(existing->data) : nlohmann::json(nullptr)}});
    before.push_back({{"path", f.path}, {"existed", bool(existing)}});
    after.push_back({{"path", f.path}, {"sha256", sha256_hex(f.content)}, {"size", f.content.size()}});
  }
  nlohmann::json undo = {{"scheduler", spec.scheduler},
                         {"name", name},
                         {"files", undo_files},
                         {"systemctl", systemd_live && spec.scheduler == "systemd"}};
  auto id = insert_action(store, "verify.schedule", target, before, undo, std::nullopt);
  std::string error;
  try {
    const bool root = ::geteuid() == 0;
    for (auto& f : files)
      effects.write_file(host, f.path, f.content, 0644, root ? 0 : ::geteuid(), root ? 0 : ::getegid());
    if (systemd_live && spec.scheduler == "systemd") {
      error = run_systemctl(effects, {"daemon-reload"});
      if (error.empty()) error = run_systemctl(effects, {"enable", "--now", name + ".timer"});
    }
  } catch (const Error& e) {
    error = e.what();
  }
  auto status = error.empty() ? "done" : "failed";
  finish_action(store, id, status, after, error, std::nullopt);
  out.actions.push_back(action_json(id, "verify.schedule", target, status, error));
  return out;
}

ScheduleOutcome unschedule_verify(CaseStore& store, const HostRoot& host, Effects& effects, bool apply,
                                  bool systemd_live) {
  ScheduleOutcome out;
  auto active = active_schedules(store);
  if (active.empty()) out.notes.emplace_back("no verify schedule of this case is installed");
  for (auto& s : active) {
    auto name = s.undo.value("name", std::string());
    auto scheduler = s.undo.value("scheduler", std::string());
    nlohmann::json paths = nlohmann::json::array();
    for (auto& f : s.undo.value("files", nlohmann::json::array())) paths.push_back(f.value("path", std::string()));
    nlohmann::json target = {{"scheduler", scheduler}, {"name", name}, {"paths", paths}, {"schedule_action", s.id}};
    if (!apply) {
      for (auto& p : paths)
        out.plan.push_back({{"kind", "verify.unschedule"},
                            {"target", {{"path", p}, {"scheduler", scheduler}, {"name", name}}},
                            {"reason", "undo action " + std::to_string(s.id)}});
      continue;
    }
    nlohmann::json before = nlohmann::json::array();
    for (auto& f : s.undo["files"]) {
      auto path = f.value("path", std::string());
      auto existing = host.read(path);
      before.push_back(
          {{"path", path}, {"content", existing ? nlohmann::json(existing->data) : nlohmann::json(nullptr)}});
    }
    auto id = insert_action(store, "verify.unschedule", target, before, {{"reinstall", before}}, s.id);
    std::string error;
    try {
      bool via_systemctl = s.undo.value("systemctl", false) && systemd_live;
      if (via_systemctl) error = run_systemctl(effects, {"disable", "--now", name + ".timer"});
      const bool root = ::geteuid() == 0;
      for (auto& f : s.undo["files"]) {
        auto path = f.value("path", std::string());
        if (f.contains("previous") && f["previous"].is_string())
          effects.write_file(host, path, f["previous"].get<std::string>(), 0644, root ? 0 : ::geteuid(),
                             root ? 0 : ::getegid());
        else if (host.lstat(path))
          effects.remove_file(host, path);
      }
      if (via_systemctl) {
        auto reload = run_systemctl(effects, {"daemon-reload"});
        if (error.empty()) error = reload;
      }
    } catch (const Error& e) {
      error = e.what();
    }
    auto status = error.empty() ? "done" : "failed";
    finish_action(store, id, status, {{"removed", paths}}, error, s.id);
    out.actions.push_back(action_json(id, "verify.unschedule", target, status, error));
  }
  return out;
}

}  // namespace unmine
