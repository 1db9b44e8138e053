#include <doctest/doctest.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "detect/pool_url.h"
#include "playbook/indicators.h"

using namespace unmine;
using namespace std::literals;

namespace {
const Indicators& builtin() {
  static auto ind = Indicators::of(Playbook::load());
  return *ind;
}
}  // namespace

TEST_CASE("pool domains match exactly or as a parent domain, never addresses or broad zones") {
  auto& ind = builtin();
  CHECK(ind.pool_domain_count() > 500);
  struct Row {
    const char* host;
    bool pool;
  };
  const Row rows[] = {
      {"supportxmr.com", true},
      {"pool.supportxmr.com", true},
      {"POOL.SupportXMR.com.", true},
      {"gulf.moneroocean.stream", true},
      {"xmr.pool.minergate.com", true},
      {"de.minexmr.com", true},
      {"notsupportxmr.com", false},
      {"example.com", false},
      {"127.0.0.1", false},
      {"0.0.0.0", false},
      {"localhost", false},
      {"", false},
      {"com", false},
      {"anything.mooo.com", false},
  };
  for (auto& r : rows) {
    CAPTURE(r.host);
    CHECK(ind.is_pool_domain(r.host) == r.pool);
  }
  auto hit = ind.pool_domain("a.b.xmrpool.eu");
  REQUIRE(hit);
  CHECK(hit->entry == "xmrpool.eu");
  CHECK(hit->suffix);
  CHECK(hit->source.starts_with("builtin:cryptomining/"));
}

TEST_CASE("stratum ports and ordinary service ports are told apart") {
  auto& ind = builtin();
  for (uint16_t p : {3333, 4444, 5555, 7777, 14444, 45700, 10128}) {
    CAPTURE(p);
    CHECK(ind.is_stratum_port(p));
    CHECK_FALSE(ind.is_service_port(p));
  }
  for (uint16_t p : {25, 80, 443, 8080, 8333, 9999}) {
    CAPTURE(p);
    CHECK_FALSE(ind.is_stratum_port(p));
    CHECK(ind.is_service_port(p));
  }
  CHECK_FALSE(ind.is_stratum_port(22));
}

TEST_CASE("families by binary name, renamed name, flag, user agent, config keys and drop path") {
  auto& ind = builtin();
  struct Row {
    const char* name;
    const char* family;
  };
  const Row names[] = {
      {"xmrig", "xmrig"},     {"XMRig", "xmrig"},       {"kdevtmpfsi", "kinsing"}, {"kinsing", "kinsing"},
      {"network01", "xmrig"}, {"zzh", "xmrig"},         {"sysupdate", "xmrig"},    {"dbused", "xmrig"},
      {"minerd", "cpuminer"}, {"xmr-stak", "xmr-stak"}, {"ccminer", "ccminer"},    {"ethminer", "ethminer"},
      {"t-rex", "t-rex"},     {"lolminer", "lolminer"}, {"nbminer", "nbminer"},    {"srbminer-multi", "srbminer"}};
  for (auto& r : names) {
    CAPTURE(r.name);
    auto f = ind.family_for_name(r.name);
    REQUIRE(f);
    CHECK(f->name == r.family);
  }
  CHECK_FALSE(ind.family_for_name("bash"));
  CHECK_FALSE(ind.family_for_name("sshd"));

  REQUIRE(ind.family_for_flag("--donate-level=1"));
  CHECK(ind.family_for_flag("--donate-level=1")->name == "xmrig");
  CHECK(ind.family_for_flag("--randomx-1gb-pages")->name == "xmrig");
  CHECK_FALSE(ind.family_for_flag("-o"));
  CHECK_FALSE(ind.family_for_flag("donate-level"));
  CHECK(ind.is_common_miner_flag("--algo=rx/0"));
  CHECK(ind.is_common_miner_flag("--nicehash"));
  CHECK_FALSE(ind.is_common_miner_flag("--verbose"));
  CHECK(ind.option_role("-o") == "url");
  CHECK(ind.option_role("--user") == "user");
  CHECK(ind.option_role("--rig-id") == "rig_id");
  CHECK(ind.option_role("--verbose").empty());
  CHECK(ind.config_field_role("pool_address") == "url");
  CHECK(ind.config_field_role("wallet_address") == "user");
  CHECK(ind.config_field_role("donate-level").empty());
  CHECK(ind.is_algorithm("RX/0"));
  CHECK(ind.is_algorithm("kawpow"));
  CHECK_FALSE(ind.is_algorithm("sha512"));

  const std::string binary =
      "\x7f"
      "ELF\0\0junk https://github.com/xmrig/xmrig \0XMRig/6.21.0 (Linux x86_64) libuv/1.44.2\0more"s;
  auto ua = ind.find_user_agent(binary);
  REQUIRE(ua);
  CHECK(ua->family->name == "xmrig");
  CHECK(ua->version == "6.21.0");
  CHECK(ua->agent == "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2");
  CHECK_FALSE(ind.find_user_agent("no agent here, only xmrig/xmrig"));

  auto byconf = ind.family_for_config_keys({"autosave", "cpu", "donate-level", "pools", "randomx"});
  REQUIRE(byconf);
  CHECK(byconf->name == "xmrig");
  CHECK_FALSE(ind.family_for_config_keys({"pools"}));
  CHECK(ind.family_for_config_keys({"pool_list", "currency", "use_slow_memory"})->name == "xmr-stak");

  REQUIRE(ind.family_for_drop_path("/tmp/kdevtmpfsi"));
  CHECK(ind.family_for_drop_path("/tmp/kdevtmpfsi")->name == "kinsing");
  CHECK(!ind.wallet_env_keys().empty());
  CHECK(!ind.pool_env_keys().empty());
}

TEST_CASE("pool URLs: scheme, TLS, host, port, brackets, userinfo") {
  auto& ind = builtin();
  struct Row {
    const char* text;
    const char* host;
    uint16_t port;
    bool tls;
    bool stratum;
  };
  const Row rows[] = {
      {"stratum+tcp://pool.supportxmr.com:3333", "pool.supportxmr.com", 3333, false, true},
      {"stratum+ssl://Pool.Example:443", "pool.example", 443, true, true},
      {"stratum+tls://pool.example:14433/", "pool.example", 14433, true, true},
      {"stratum2+tcp://pool.example:3333", "pool.example", 3333, false, true},
      {"  pool.example:5555 ", "pool.example", 5555, false, false},
      {"[2001:db8::1]:3333", "2001:db8::1", 3333, false, false},
      {"stratum+tcp://[::1]:4444", "::1", 4444, false, true},
      {"stratum+tcp://user:pw@10.0.0.1:7777", "10.0.0.1", 7777, false, true},
      {"ssl://pool.example:9000", "pool.example", 9000, true, false},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto u = parse_pool_url(r.text, ind);
    REQUIRE(u);
    CHECK(u->host == r.host);
    CHECK(u->port == r.port);
    CHECK(u->tls == r.tls);
    CHECK(u->pool_scheme == r.stratum);
  }
  for (auto bad : {"", "pool.example", "http://pool.example:80", "pool.example:0", "pool.example:70000", "host:12ab",
                   "[::1]3333", "a b:3333", ":3333"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_pool_url(bad, ind));
  }
  auto found = find_pool_urls(
      "nohup ./x -o stratum+tcp://1.2.3.4:3333 -u W; curl http://e.com:80/; \"url\": \"stratum+ssl://p.example:443\"",
      ind);
  REQUIRE(found.size() == 2);
  CHECK(found[0].host == "1.2.3.4");
  CHECK(found[1].host == "p.example");
  CHECK(found[1].tls);
}

TEST_CASE("--playbook overrides a list file by file") {
  auto dir = std::filesystem::temp_directory_path() / ("unmine-ind-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "intel");
  std::ofstream(dir / "intel/sigma_pool_domains.txt") << "# ours\nevil-pool.test\n";
  std::ofstream(dir / "ports.json") << R"({"stratum": [1234], "service": [3333]})";
  auto ind = Indicators::load(Playbook::load("cryptomining", dir.string()));
  CHECK(ind.is_pool_domain("x.evil-pool.test"));
  CHECK(ind.pool_domain("x.evil-pool.test")->source == (dir / "intel/sigma_pool_domains.txt").string());
  CHECK(ind.is_stratum_port(1234));
  CHECK_FALSE(ind.is_stratum_port(3333));       // declared a service port by the override
  CHECK(ind.is_pool_domain("supportxmr.com"));  // other files still built in
  std::ofstream(dir / "families.json") << "{ not json";
  CHECK_THROWS_AS(Indicators::load(Playbook::load("cryptomining", dir.string())), RuntimeError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("families by content: a banner with its version, or two of the family's strings") {
  auto& ind = builtin();
  // The real XMRig 6.26.0 build: banner, donation hosts, help text; no "XMRig/6.26.0" literal.
  const std::string xmrig =
      "\x7f"
      "ELF\0..XMRig 6.26.0\0%s/%s (Linux \0donate.v2.xmrig.com\0donate.ssl.xmrig.com\0"
      "maximum CPU threads count (in percentage) hint for autoconfig\0"s;
  auto hit = ind.find_family_by_content(xmrig);
  REQUIRE(hit);
  CHECK(hit->family->name == "xmrig");
  CHECK(hit->version == "6.26.0");
  CHECK(hit->matched.front() == "XMRig 6.26.0");
  // The banner alone names it; two strings without a banner name it without a version.
  CHECK(ind.find_family_by_content("junk XMRig 6.22.2\0"s)->family->name == "xmrig");
  auto strings_only = ind.find_family_by_content("donate.v2.xmrig.com\0threads count to initialize RandomX dataset\0"s);
  REQUIRE(strings_only);
  CHECK(strings_only->family->name == "xmrig");
  CHECK(strings_only->version.empty());
  // xmrig-proxy carries XMRig's donation hosts too, but its own banner and description win.
  auto proxy = ind.find_family_by_content("xmrig-proxy 6.24.1\0XMRig Stratum proxy\0donate.v2.xmrig.com\0"s);
  REQUIRE(proxy);
  CHECK(proxy->family->name == "xmrig-proxy");
  CHECK(proxy->version == "6.24.1");
  for (auto other : {"lolMiner 1.88\0"s, "T-Rex 0.26.8\0"s, "SRBMiner-MULTI 2.5.0\0"s, "PhoenixMiner 6.2c\0"s,
                     "NBMiner 42.3\0"s, "cpuminer-opt 23.15\0"s}) {
    CAPTURE(other);
    CHECK(ind.find_family_by_content(other));
  }
  // A name without a version is not a banner; one string is not enough.
  CHECK_FALSE(ind.find_family_by_content("XMRig Stratum proxy and XMRig miner\0"s));
  CHECK_FALSE(ind.find_family_by_content("see https://xmrig.com/docs/algorithms\0"s));
  CHECK_FALSE(
      ind.find_family_by_content("\x7f"
                                 "ELF ordinary program\0"s));
}

TEST_CASE("packers, donation hosts and kernel thread names") {
  auto& ind = builtin();
  CHECK(ind.packer_of("\x7f"
                      "ELF\0\0\0UPX!\x0d\x0c junk"s) == "upx");
  CHECK(ind.packer_of("\x7f"
                      "ELF $Info: This file is packed with the UPX executable packer"s) == "upx");
  CHECK_FALSE(
      ind.packer_of("\x7f"
                    "ELF plain"s));
  CHECK_FALSE(ind.packer_of(std::string(128 * 1024, 'x') + "UPX!"));  // markers sit at the start
  CHECK(ind.is_donation_host("donate.v2.xmrig.com"));
  CHECK(ind.is_donation_host("DONATE.SSL.XMRIG.COM."));
  CHECK_FALSE(ind.is_donation_host("pool.supportxmr.com"));
  CHECK(ind.is_kernel_thread_name("kworker/0:1"));
  CHECK(ind.is_kernel_thread_name("kthreadd"));
  CHECK(ind.is_kernel_thread_name("scsi_eh_0"));
  CHECK_FALSE(ind.is_kernel_thread_name("kworker/"));
  CHECK_FALSE(ind.is_kernel_thread_name("kworkerd"));
  CHECK_FALSE(ind.is_kernel_thread_name("bash"));
}
