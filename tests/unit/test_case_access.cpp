// The case layer's typed access: the action log, the evidence log, the step records, the layout and the
// "open an existing case" check, on a real case database.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "case/action_log.h"
#include "case/case_layout.h"
#include "case/case_reader.h"
#include "case/case_store.h"
#include "case/evidence_log.h"
#include "case/step_records.h"
#include "core/error.h"

namespace fs = std::filesystem;
using namespace unmine;

namespace {

struct CaseDir {
  fs::path path = fs::temp_directory_path() / ("unmine-unit-case-" + std::to_string(::getpid()));
  CaseDir() { fs::remove_all(path); }
  ~CaseDir() { fs::remove_all(path); }
};

}  // namespace

TEST_CASE("case layout: one place names the database, evidence and exports; reading never creates a case") {
  CaseDir dir;
  CaseLayout layout(dir.path);
  CHECK(layout.database() == dir.path / "case.db");
  CHECK(layout.evidence() == dir.path / "evidence");
  CHECK(layout.exports() == dir.path / "exports");
  CHECK(CaseLayout::stored_copy("abcdef") == "evidence/sha256/ab/abcdef");
  CHECK(CaseLayout::archive("x.tar.zst") == "evidence/archives/x.tar.zst");
  CHECK_FALSE(layout.exists());
  try {
    layout.require_existing();
    FAIL("no error for a missing case");
  } catch (const RuntimeError& e) {
    CHECK(std::string(e.what()).starts_with("no case at " + dir.path.string()));
    CHECK(e.kind() == "case");
  }
  CHECK_FALSE(fs::exists(dir.path));  // the check made nothing
  auto store = CaseStore::open(dir.path, "cryptomining", "/");
  CHECK(layout.exists());
  CHECK(store->layout().evidence() == layout.evidence());
  CHECK_NOTHROW(layout.require_existing());
}

TEST_CASE("action log: one insert for every kind, settle, undone, and the filters --remove and verify read") {
  CaseDir dir;
  auto store = CaseStore::open(dir.path, "cryptomining", "/");
  ActionLog log(*store);
  CaseStore::Transaction tx(*store);
  auto nft = log.insert({.kind = "block.nft",
                         .target = {{"table", "inet unmine"}},
                         .reason = "block",
                         .undo = {{"table", "inet unmine"}}});
  auto hosts = log.insert(
      {.kind = "block.hosts", .target = {{"path", "/etc/hosts"}}, .reason = "block", .evidence_id = std::nullopt});
  auto kill = log.insert({.kind = "kill",
                          .target = {{"pid", 42}},
                          .reason = "F-1",
                          .before = {{"exe", "/tmp/x"}},
                          .at = "2026-11-20T10:00:00.000000Z"});
  auto skipped =
      log.insert({.kind = "unpersist.line", .target = "t", .reason = "F-2", .status = "skipped", .error = "gone"});
  log.settle(nft, "done", {{"handle", 7}}, "");
  log.settle(kill, "failed", nullptr, "still running", nlohmann::json{{"exe", "/tmp/y"}});
  auto unblock = log.insert({.kind = "unblock.nft", .target = "t", .reason = "remove", .undo_of = nft});
  log.settle(unblock, "done", nullptr, "");
  log.mark_undone(nft);
  tx.commit();

  auto all = ActionLog::rows(*store);
  REQUIRE(all.size() == 5);
  CHECK(all[0]["status"] == "undone");
  CHECK(json_column(all[0]["after"]) == nlohmann::json{{"handle", 7}});
  CHECK(all[0]["undone_at"].is_string());
  CHECK(all[0]["error"].is_null());
  CHECK(all[1]["status"] == "pending");
  CHECK(all[1]["evidence_id"].is_null());
  CHECK(all[2]["at"] == "2026-11-20T10:00:00.000000Z");
  CHECK(json_column(all[2]["before"]) == nlohmann::json{{"exe", "/tmp/y"}});
  CHECK(all[2]["error"] == "still running");
  CHECK(all[3]["error"] == "gone");
  CHECK(all[4]["undo_of"] == nft);
  for (auto& r : all) CHECK(r["step_id"].is_null());  // no step running

  auto in_force = ActionLog::rows(*store, {.kinds = {"block.nft", "block.hosts"}, .statuses = {"done", "pending"}});
  REQUIRE(in_force.size() == 1);
  CHECK(in_force[0]["id"] == hosts);
  auto blocks = ActionLog::rows(*store, {.kind_prefix = "block."});
  CHECK(blocks.size() == 2);  // not unblock.nft
  CHECK(ActionLog::rows(*store, {.kind_prefix = "block.", .statuses = {"undone"}, .not_undone = true}).empty());
  CHECK(ActionLog::rows(*store, {.kinds = {"unpersist.line"}, .statuses = {"skipped"}}).size() == 1);
  CHECK(skipped > kill);
}

TEST_CASE("evidence log: only stored rows count as preserved; totals and sizes from stored rows") {
  CaseDir dir;
  auto store = CaseStore::open(dir.path, "cryptomining", "/");
  EvidenceLog log(*store);
  CaseStore::Transaction tx(*store);
  auto exe =
      log.insert_item({.kind = "exe", .source_path = "/tmp/x", .pid = 42, .collected_at = "t0", .collector = "unit"});
  auto pending = log.insert_item({.kind = "exe", .source_path = "/tmp/y", .collected_at = "t1", .collector = "unit"});
  auto failed = log.insert_item({.kind = "config", .source_path = "/tmp/z", .collected_at = "t2", .collector = "unit"});
  Digests d{std::string(64, 'a'), std::string(40, 'b'), std::string(32, 'c'), 1234};
  CHECK(log.item_stored(exe, d, CaseLayout::stored_copy(d.sha256), "") == "t0");
  log.item_failed(failed, "unreadable");
  auto archive = log.insert_archive(CaseLayout::archive("a.tar.zst"), "unit");
  log.archive_stored(archive, std::string(64, 'f'), 99, 1);
  tx.commit();
  CHECK(pending > exe);

  CHECK(EvidenceLog::has_stored_exe(*store, std::string(64, 'a')));
  CHECK_FALSE(EvidenceLog::has_stored_exe(*store, std::string(64, 'e')));
  CHECK(EvidenceLog::newest_stored(*store, std::string(64, 'a')) == exe);
  CHECK_FALSE(EvidenceLog::newest_stored(*store, std::string(64, 'e')));
  CHECK(EvidenceLog::stored_exe_sizes(*store) == std::map<std::string, uint64_t>{{std::string(64, 'a'), 1234}});
  auto totals = EvidenceLog::stored_totals(*store);
  CHECK(totals.items == 1);
  CHECK(totals.bytes == 1234);
  CHECK(totals.archives == 1);
  auto items = EvidenceLog::items(*store);
  REQUIRE(items.size() == 3);
  CHECK_FALSE(items[0].contains("case_id"));
  CHECK(items[0]["archive_entry"].is_null());  // a run's archive is its manifest: no item is an entry in it
  CHECK(items[1]["status"] == "pending");
  CHECK(items[2]["note"] == "unreadable");
  auto archives = EvidenceLog::archives(*store);
  REQUIRE(archives.size() == 1);
  CHECK(archives[0]["size"] == 99);
}

TEST_CASE("step records and the case reader: miners, checks, findings by group, the custody chain") {
  CaseDir dir;
  auto store = CaseStore::open(dir.path, "cryptomining", "/");
  auto step = store->begin_step("verify", "verify", nlohmann::json::array());
  {
    CaseStore::Transaction tx(*store);
    record_miner(*store, step, {42, "/tmp/x", "", "xmrig", {{"pid", 42}}, "t0"});
    auto check = record_check_row(*store, step, {"t0", "t1", {{"case", "clean"}}, "none", 0, nlohmann::json::array()});
    CHECK(check > 0);
    tx.commit();
  }
  auto f = make_finding(Group::persistence, "cron.line", Severity::high, "a cron line", "/etc/crontab\nx");
  f.path = "/etc/crontab";
  auto t = make_finding(Group::system_optimization, "msr", Severity::medium, "msr", "msr");
  store->record_findings({f, t}, step);
  store->finish_step(step, "done", "", 0);

  auto miners = miner_observations(*store);
  REQUIRE(miners.size() == 1);
  CHECK(json_column(miners[0]["data"]) == nlohmann::json{{"pid", 42}});
  auto checks = check_rows(*store);
  REQUIRE(checks.size() == 1);
  CHECK(checks[0]["step_id"] == step);
  CHECK(finding_paths(*store, {"miner", "persistence"}) == std::vector<std::string>{"/etc/crontab"});
  CHECK(finding_paths(*store, {"miner"}).empty());
  CHECK(has_finding_in_group(*store, "system_optimization"));
  CHECK_FALSE(has_finding_in_group(*store, "pool"));
  CHECK(case_uuid(*store).size() == 36);
  CHECK_FALSE(case_row(*store).contains("id"));
  auto chain = custody_chain(*store);
  REQUIRE(chain.size() >= 4);  // case.created, step.started, findings.recorded, step.finished
  CHECK(chain.front()["event"] == "case.created");
  CHECK(chain.back()["event"] == "step.finished");
  auto steps = step_rows(*store);
  REQUIRE(steps.size() == 1);
  CHECK(steps[0]["status"] == "done");
}
