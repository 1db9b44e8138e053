// hunt's pure parsers, table-driven on literals.
#include <doctest/doctest.h>

#include "detect/detectors.h"
#include "host/dpkg_db.h"
#include "hunt/config_directives.h"
#include "hunt/cpu_accounting.h"
#include "hunt/credentials.h"
#include "hunt/entry_services.h"
#include "hunt/file_kind.h"
#include "hunt/kernel_modules.h"
#include "hunt/ld_preload.h"
#include "hunt/memory_scan.h"
#include "hunt/proc_mounts.h"
#include "hunt/ssh_access.h"
#include "hunt/tampering.h"
#include "hunt/web_exploits.h"
#include "hunt/web_roots.h"
#include "hunt/window.h"
#include "persist/ld_preload.h"
#include "playbook/playbook.h"

using namespace unmine;

TEST_CASE("--since: ISO times and spans back from now") {
  const int64_t now = 1763900000;  // 2025-11-23T12:13:20Z
  struct Row {
    const char* text;
    std::optional<int64_t> want;
  };
  const Row rows[] = {
      {"48h", now - 48 * 3600},
      {"30m", now - 1800},
      {"7d", now - 7 * 86400},
      {"2w", now - 14 * 86400},
      {"90s", now - 90},
      {"2025-11-23T12:13:20Z", now},
      {"2025-11-23T14:13:20+02:00", now},
      {"2025-11-23T12:13:20.250Z", now},
      {"2025-11-23 12:13", now - 20},
      {"2025-11-23", now - (12 * 3600 + 13 * 60 + 20)},
      {"", std::nullopt},
      {"h", std::nullopt},
      {"-5h", std::nullopt},
      {"5y", std::nullopt},
      {"2025-13-01", std::nullopt},
      {"2025-11-23T12:13:20Zjunk", std::nullopt},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    CHECK(parse_since(r.text, now) == r.want);
  }
}

TEST_CASE("the window starts at the earliest usable sign, else --since, else 7 days") {
  const int64_t now = 1763900000;
  auto w = compute_window(
      std::nullopt, {{now - 500, "a"}, {now - 900, "miner pid 1 started"}, {0, "zero"}, {now + 86400, "future"}}, now);
  CHECK(w.basis == "incident");
  CHECK(w.start == now - 900);
  CHECK(w.first_sign == "miner pid 1 started");
  CHECK(w.contains(now - 900));
  CHECK_FALSE(w.contains(now - 901));
  auto s = compute_window(now - 60, {{now - 900, "a"}}, now);
  CHECK(s.basis == "since");
  CHECK(s.start == now - 60);
  auto d = compute_window(std::nullopt, {}, now);
  CHECK(d.basis == "default");
  CHECK(d.start == now - kDefaultWindowSeconds);
  CHECK(d.describe().find("last 7 days") != std::string::npos);
}

TEST_CASE("file kinds and ELF build-ids") {
  CHECK(classify_file("\x7f"
                      "ELF\x02\x01")
            .kind == FileKind::elf);
  auto s = classify_file("#!/usr/bin/env python3\nimport os\n");
  CHECK(s.kind == FileKind::script);
  CHECK(s.interpreter == "/usr/bin/env python3");
  CHECK(classify_file("hello").kind == FileKind::other);
  CHECK_FALSE(elf_build_id("\x7f"
                           "ELF")
                  .has_value());
  CHECK_FALSE(elf_build_id(std::string(64, '\0')).has_value());
  // A real binary of this machine carries one (Debian builds with --build-id).
  FILE* f = std::fopen("/proc/self/exe", "rb");
  REQUIRE(f);
  std::string image(1 << 20, '\0');
  image.resize(std::fread(image.data(), 1, image.size(), f));
  std::fclose(f);
  auto id = elf_build_id(image);
  REQUIRE(id.has_value());
  CHECK(id->size() >= 16);
}

TEST_CASE("mountinfo: unescaped mount points, options, and the mount of a path") {
  std::vector<std::string> anomalies;
  auto rows = parse_mountinfo(
      "23 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "24 23 8:2 / /home/my\\040disk rw,noatime - ext4 /dev/sda2 rw\n"
      "95 22 8:1 /tmp/e /proc/4242 rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "garbage\n",
      &anomalies);
  REQUIRE(rows.size() == 3);
  CHECK(rows[1].mount_point == "/home/my disk");
  CHECK(rows[2].fs_type == "ext4");
  CHECK(anomalies.size() == 1);
  CHECK(mount_of(rows, "/home/my disk/x")->options == "rw,noatime");
  CHECK(mount_of(rows, "/home/my diskx")->mount_point == "/");
}

TEST_CASE("ld.so.preload entries: '#' comments to the end of the line, as the loader reads them") {
  std::vector<std::string_view> names;
  std::vector<int> line_numbers;
  for (auto& e :
       parse_ld_so_preload("/lib/a.so /lib/b.so:/lib/c.so # comment /lib/d.so\n\n#/lib/e.so\n/lib/f.so#x\n")) {
    names.push_back(e.entry);
    line_numbers.push_back(e.line);
  }
  CHECK(names == std::vector<std::string_view>{"/lib/a.so", "/lib/b.so", "/lib/c.so", "/lib/f.so"});
  CHECK(line_numbers == std::vector<int>{1, 1, 1, 4});
}

TEST_CASE("hunt judges a preloaded library as validate does: one decision, one finding, same id") {
  HostRoot host({UNMINE_FIXTURES "/hosts/preload-mixed", "", ""});
  auto playbook = Playbook::load();
  auto dpkg = DpkgDatabase::load(host);
  HuntContext ctx{host, playbook, compute_window(std::nullopt, {}, 1763900000), dpkg, {}, {}, {}, {}};
  auto validate = detect_hiding(host);
  auto hunt = check_ld_preload(ctx);
  REQUIRE(validate.size() == 3);
  REQUIRE(hunt.size() == 4);  // the three entries, then /etc/environment's LD_PRELOAD
  for (size_t i = 0; i < validate.size(); ++i) {
    CAPTURE(validate[i].summary);
    CHECK(hunt[i].id == validate[i].id);
    CHECK(hunt[i].kind == validate[i].kind);
    CHECK(hunt[i].group == validate[i].group);
    CHECK(hunt[i].severity == validate[i].severity);
    CHECK(hunt[i].summary == validate[i].summary);
    CHECK(hunt[i].path == validate[i].path);
    CHECK(hunt[i].line == validate[i].line);
    for (auto* key : {"library", "exists", "rule", "text"}) CHECK(hunt[i].evidence[key] == validate[i].evidence[key]);
  }
  // A package's unmodified library (jemalloc for a database) is an administrator's choice: info.
  CHECK(validate[0].severity == Severity::info);
  CHECK(validate[0].evidence["package"] == "libjemalloc2:amd64");
  CHECK(validate[1].severity == Severity::high);    // present, no package's: it hides processes
  CHECK(validate[2].severity == Severity::medium);  // missing: the loader skips it
  CHECK(hunt[0].evidence.contains("sha256"));       // hunt adds the library's hash for sweeping other hosts
  CHECK_FALSE(hunt[2].evidence.contains("sha256"));
  CHECK(hunt[3].path == "/etc/environment");
  CHECK(hunt[3].line == 2);
  CHECK(hunt[3].severity == Severity::high);
  CHECK(hunt[3].id != hunt[1].id);  // the same library named by another file is another finding
}

TEST_CASE("CPU accounting: totals, per-process ticks, and when a gap is worth more than info") {
  CHECK(parse_cpu_busy_ticks("cpu  100 5 50 1000 0 0 0 0 0 0\ncpu0 1 2 3\n") == 155u);
  CHECK_FALSE(parse_cpu_busy_ticks("intr 1 2 3\n").has_value());
  CHECK(parse_process_ticks("42 (a b) c) S 1 42 42 0 -1 4194560 1 0 0 0 10 20 30 40 20 0") == 100u);
  CHECK_FALSE(parse_process_ticks("42 (x) S 1").has_value());
  auto small = cpu_gap_finding({1000, 900}, 100, false);
  REQUIRE(small);
  CHECK(small->severity == Severity::info);
  auto large = cpu_gap_finding({10'000'000, 100'000}, 100, false);
  REQUIRE(large);
  CHECK(large->severity == Severity::medium);
  CHECK(cpu_gap_finding({10'000'000, 100'000}, 100, true)->severity == Severity::info);
  CHECK_FALSE(cpu_gap_finding({1000, 2000}, 100, false).has_value());
}

TEST_CASE("kernel modules: /proc/modules and modules.dep names") {
  auto m = parse_proc_modules("ext4 1032192 1 - Live 0x0\ndiamorphine 16384 0 - Live 0x0 (OE)\n");
  REQUIRE(m.size() == 2);
  CHECK(m[1].taint == "(OE)");
  CHECK(m[1].state == "Live");
  auto dep = parse_modules_dep(
      "kernel/drivers/net/virtio-net.ko.xz: kernel/net/core/failover.ko.zst\nupdates/dkms/vbox.ko:\n");
  CHECK(dep == std::set<std::string>{"virtio_net", "vbox"});
}

TEST_CASE("Docker hosts from daemon.json and dockerd arguments") {
  bool tls = false;
  CHECK(docker_hosts_from_json(R"({"hosts":["unix:///var/run/docker.sock","tcp://0.0.0.0:2375"]})", &tls) ==
        std::vector<std::string>{"tcp://0.0.0.0:2375"});
  CHECK_FALSE(tls);
  CHECK(docker_hosts_from_json("not json", &tls).empty());
  tls = false;
  CHECK(docker_hosts_from_args("/usr/bin/dockerd -H fd:// --host=tcp://0.0.0.0:2376 --tlsverify", &tls) ==
        std::vector<std::string>{"tcp://0.0.0.0:2376"});
  CHECK(tls);
  CHECK(docker_hosts_from_args("dockerd -H \"tcp://10.0.0.1:2375\"", nullptr) ==
        std::vector<std::string>{"tcp://10.0.0.1:2375"});
}

TEST_CASE("Redis bind lists") {
  CHECK_FALSE(binds_beyond_loopback("127.0.0.1 -::1"));
  CHECK(binds_beyond_loopback("0.0.0.0"));
  CHECK(binds_beyond_loopback("127.0.0.1 10.0.0.5"));
  CHECK(binds_beyond_loopback("* -::*"));
}

TEST_CASE("YAML values at dotted paths") {
  const char* y =
      "authentication:\n  anonymous:\n    enabled: true # comment\n  webhook:\n    enabled: false\nauthorization:\n  "
      "mode: \"AlwaysAllow\"\n";
  CHECK(yaml_value(y, "authentication.anonymous.enabled") == std::optional<std::string>("true"));
  CHECK(yaml_value(y, "authentication.webhook.enabled") == std::optional<std::string>("false"));
  CHECK(yaml_value(y, "authorization.mode") == std::optional<std::string>("AlwaysAllow"));
  CHECK_FALSE(yaml_value(y, "authorization.webhook").has_value());
}

TEST_CASE("sshd_config: first value wins, Include files, Match ends the global section") {
  auto none = [](std::string_view) { return std::vector<std::pair<std::string, std::string>>{}; };
  CHECK(parse_sshd_config("", none).password_auth);  // OpenSSH's default
  auto s = parse_sshd_config("PasswordAuthentication no\nPasswordAuthentication yes\n", none);
  CHECK_FALSE(s.password_auth);
  auto m = parse_sshd_config("Match User bob\n  PasswordAuthentication no\n", none);
  CHECK(m.password_auth);
  auto inc = [](std::string_view p) {
    CHECK(p == "/etc/ssh/sshd_config.d/*.conf");
    return std::vector<std::pair<std::string, std::string>>{
        {"/etc/ssh/sshd_config.d/50.conf", "PermitRootLogin yes\nPasswordAuthentication no\n"}};
  };
  auto i =
      parse_sshd_config("Include /etc/ssh/sshd_config.d/*.conf\nPasswordAuthentication yes\nPermitRootLogin no\n", inc);
  CHECK_FALSE(i.password_auth);
  CHECK(i.permit_root_login == "yes");
  CHECK(i.files.size() == 2);
}

TEST_CASE("sshd messages and syslog lines") {
  struct Row {
    const char* msg;
    bool parsed;
    bool success;
    const char* user;
    const char* ip;
    const char* method;
  };
  const Row rows[] = {
      {"Failed password for root from 203.0.113.9 port 4242 ssh2", true, false, "root", "203.0.113.9", "password"},
      {"Failed password for invalid user ad min from 203.0.113.9 port 4242 ssh2", true, false, "ad min", "203.0.113.9",
       "password"},
      {"Invalid user oracle from 2001:db8::7 port 22", true, false, "oracle", "2001:db8::7", "invalid_user"},
      {"Accepted publickey for bob from 198.51.100.7 port 50122 ssh2: ED25519 SHA256:x", true, true, "bob",
       "198.51.100.7", "publickey"},
      {"Accepted password for root from 203.0.113.9 port 1 ssh2", true, true, "root", "203.0.113.9", "password"},
      {"pam_unix(sshd:session): session opened for user bob", false, false, "", "", ""},
      {"Failed password for root", false, false, "", "", ""},
  };
  for (auto& r : rows) {
    CAPTURE(r.msg);
    auto e = parse_sshd_message(r.msg);
    REQUIRE(e.has_value() == r.parsed);
    if (!e) continue;
    CHECK(e->success == r.success);
    CHECK(e->user == r.user);
    CHECK(e->ip == r.ip);
    CHECK(e->method == r.method);
  }
  auto iso = parse_syslog_line(
      "2026-11-20T08:25:02.500000+01:00 web1 sshd[1031]: Accepted password for root from 1.2.3.4 port 1 ssh2", 0);
  REQUIRE(iso);
  CHECK(iso->program == "sshd");
  CHECK(iso->at == 1795163102 - 3600);
  CHECK(iso->message.starts_with("Accepted"));
  auto trad =
      parse_syslog_line("Nov 20 08:25:02 web1 sshd[1031]: Failed password for x from 1.2.3.4 port 1 ssh2", 2026);
  REQUIRE(trad);
  CHECK(trad->at == 1795163102);
  CHECK_FALSE(parse_syslog_line("garbage", 2026).has_value());
}

TEST_CASE("brute force: failures then a success from one source") {
  std::vector<AuthEvent> ev;
  for (int i = 0; i < 12; ++i) ev.push_back({1000 + i, false, "root", "203.0.113.9", "password", "l", "auth.log"});
  ev.push_back({900, true, "root", "203.0.113.9", "password", "before the failures", "auth.log"});
  ev.push_back({2000, true, "root", "203.0.113.9", "password", "Accepted password", "auth.log"});
  for (int i = 0; i < 5; ++i) ev.push_back({1000 + i, false, "x", "198.51.100.1", "password", "l", "auth.log"});
  ev.push_back({2000, true, "x", "198.51.100.1", "password", "ok", "auth.log"});
  auto f = detect_bruteforce(ev, 10);
  REQUIRE(f.size() == 1);
  CHECK(f[0].severity == Severity::critical);
  CHECK(f[0].evidence["log_line"] == "Accepted password");
  CHECK(f[0].evidence["failures"] == 12);
  ev.back() = {2000, true, "x", "198.51.100.1", "publickey", "ok", "auth.log"};
  for (int i = 0; i < 10; ++i) ev.push_back({1500 + i, false, "x", "198.51.100.1", "password", "l", "auth.log"});
  auto g = detect_bruteforce(ev, 10);
  REQUIRE(g.size() == 2);
  CHECK(highest(g) == Severity::critical);
  int high = 0;
  for (auto& x : g) high += x.severity == Severity::high;
  CHECK(high == 1);  // a key login after failures: suspicious, not proof
}

TEST_CASE("web exploit attempts: raw and URL-decoded lines, one finding per pattern and client") {
  auto p = parse_web_exploit_patterns(
      {"Log4Shell|CVE-2021-44228|${jndi:", "bad line", "Spring4Shell|CVE-2022-22965|class.module.classLoader"});
  REQUIRE(p.size() == 2);
  CHECK(url_decode("%24%7Bjndi%3Aldap+x") == "${jndi:ldap x");
  auto a = parse_access_line("203.0.113.5 - - [20/Nov/2026:07:55:00 +0100] \"GET / HTTP/1.1\" 200 1");
  REQUIRE(a);
  CHECK(a->client == "203.0.113.5");
  CHECK(a->at == 1795161300 - 3600);
  HuntWindow w{1795161300, 1795161300 + 86400, "since", ""};
  auto f =
      scan_web_log("/var/log/nginx/access.log",
                   "1.1.1.1 - - [20/Nov/2026:07:55:00 +0000] \"GET /?q=%24%7Bjndi%3Aldap://x/a%7D HTTP/1.1\" 200 1\n"
                   "1.1.1.1 - - [20/Nov/2026:07:56:00 +0000] \"GET /${JNDI:ldap://x/a} HTTP/1.1\" 200 1\n"
                   "2.2.2.2 - - [01/Jan/2020:00:00:00 +0000] \"POST /?class.module.classLoader.x=1 HTTP/1.1\" 200 1\n"
                   "3.3.3.3 - - [20/Nov/2026:07:57:00 +0000] \"GET /index.html HTTP/1.1\" 200 1\n",
                   p, w);
  REQUIRE(f.size() == 2);
  for (auto& x : f) {
    if (x.evidence["exploit"] == "Log4Shell") {
      CHECK(x.evidence["count"] == 2);
      CHECK(x.severity == Severity::high);
      CHECK(x.line == 1);
    } else {
      CHECK(x.severity == Severity::medium);  // years before the window: background noise
    }
  }
}

TEST_CASE("credentials: atime trust, private keys, docker auths") {
  CHECK(atime_trust("rw,noatime").mode == "noatime");
  CHECK_FALSE(atime_trust("rw,noatime").usable);
  CHECK(atime_trust("rw,relatime").usable);
  CHECK(atime_trust("rw,relatime").caveat.find("24 hours") != std::string::npos);
  CHECK(atime_trust("").mode == "unknown");
  CHECK(looks_like_private_key("-----BEGIN OPENSSH PRIVATE KEY-----\nabc"));
  CHECK(looks_like_private_key("-----BEGIN RSA PRIVATE KEY-----\nabc"));
  CHECK_FALSE(looks_like_private_key("ssh-ed25519 AAAA"));
  CHECK(docker_config_has_auths(R"({"auths":{"r":{"auth":"eA=="}}})"));
  CHECK_FALSE(docker_config_has_auths(R"({"auths":{"r":{}},"credsStore":"pass"})"));
  CHECK_FALSE(docker_config_has_auths("{"));
}

TEST_CASE("web roots from nginx, apache and php-fpm configs") {
  CHECK(parse_web_roots("server {\n  root /srv/app/public/;\n  # root /old;\n  root $document_root;\n}\n", "nginx") ==
        std::vector<std::string>{"/srv/app/public"});
  CHECK(parse_web_roots("<VirtualHost *:80>\n  DocumentRoot \"/var/www/site\"\n</VirtualHost>\n", "apache") ==
        std::vector<std::string>{"/var/www/site"});
  CHECK(parse_web_roots("[www]\nchdir = /srv/pool\nphp_admin_value[doc_root] = /srv/doc\n", "php-fpm") ==
        std::vector<std::string>{"/srv/pool", "/srv/doc"});
}

TEST_CASE("config directives, journald settings and process maps") {
  auto d = parse_directives("# c\nBind 0.0.0.0\n\nrequirepass \"\"\n");
  REQUIRE(d.size() == 2);
  CHECK(d[0].key == "bind");
  CHECK(d[0].line == 2);
  CHECK(first_word_lower(d[1].value) == "");
  CHECK(last_setting({"[Journal]\nStorage=auto\n", "[Journal]\nStorage = none\n"}, "Storage") ==
        std::optional<std::string>("none"));
  auto maps = parse_maps(
      "00400000-00452000 r-xp 00000000 08:02 173521 /usr/bin/my prog\n7ffd-7ffe rw-p 00000000 00:00 0 [stack]\n"
      "7fff-8000 ---p 00000000 00:00 0\nbad\n");
  REQUIRE(maps.size() == 3);
  CHECK(maps[0].path == "/usr/bin/my prog");
  CHECK(maps[1].path == "[stack]");
  CHECK_FALSE(maps[2].readable);
}
