#include <doctest/doctest.h>

#include "detect/verdict.h"

using namespace unmine;

namespace {
Finding of(Group g, Severity s = Severity::medium) { return make_finding(g, "x", s, "s", std::string(to_string(g))); }
}  // namespace

TEST_CASE("attack-chain verdict follows the seed's table") {
  struct Row {
    std::vector<Group> groups;
    std::string name;
    std::string severity;
  };
  const Row rows[] = {
      {{}, "No Mining Activity", "none"},
      {{Group::miner}, "Suspicious Activity", "low"},
      {{Group::miner, Group::pool}, "Active Cryptomining", "medium"},
      {{Group::miner, Group::pool, Group::persistence}, "Persistent Cryptomining", "high"},
      {{Group::miner, Group::pool, Group::persistence, Group::system_optimization},
       "Advanced Cryptomining Operation",
       "critical"},
      {{Group::miner, Group::pool, Group::hiding}, "Active Cryptomining", "high"},
      {{Group::miner, Group::pool, Group::persistence, Group::system_optimization, Group::hiding},
       "Advanced Cryptomining Operation",
       "critical"},
      {{Group::tooling}, "Suspicious Activity", "low"},
      {{Group::hiding}, "Suspicious Activity", "low"},
      {{Group::system_optimization, Group::hiding}, "Suspicious Activity", "low"},
      {{Group::miner, Group::hiding}, "Suspicious Activity", "low"},
  };
  for (auto& r : rows) {
    std::vector<Finding> fs;
    for (auto g : r.groups) fs.push_back(of(g));
    auto v = attack_chain_verdict(fs);
    CHECK(v.case_name == r.name);
    CHECK(v.to_json()["severity"] == r.severity);
  }
}

TEST_CASE("info findings do not make a group present") {
  auto v = attack_chain_verdict({of(Group::miner, Severity::info)});
  CHECK(v.case_name == "No Mining Activity");
  CHECK(exit_code_for(std::nullopt) == ExitCode::ok);
  CHECK(exit_code_for(Severity::info) == ExitCode::ok);
  CHECK(exit_code_for(Severity::medium) == ExitCode::found_medium);
  CHECK(exit_code_for(Severity::critical) == ExitCode::found_critical);
}

TEST_CASE("finding ids are stable and distinct") {
  CHECK(make_finding_id("cron", "/etc/crontab\n* * * * * x") == make_finding_id("cron", "/etc/crontab\n* * * * * x"));
  CHECK(make_finding_id("cron", "a") != make_finding_id("systemd", "a"));
  CHECK(make_finding_id("cron", "a").size() == 18);
}
