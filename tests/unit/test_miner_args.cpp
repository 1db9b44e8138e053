#include <doctest/doctest.h>

#include "detect/miner_args.h"
#include "detect/miner_config.h"

using namespace unmine;

namespace {
const Indicators& ind() {
  static auto i = Indicators::of(Playbook::load());
  return *i;
}
const std::string kXmr =
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
}  // namespace

TEST_CASE("XMRig command lines: pools with their logins, TLS, algorithm, rig id, config") {
  auto a = parse_miner_args({"/tmp/.x/xmrig",
                             "-o",
                             "stratum+tcp://pool.supportxmr.com:3333",
                             "-u",
                             kXmr + ".w1",
                             "-p",
                             "x",
                             "--donate-level=1",
                             "-a",
                             "rx/0",
                             "--rig-id",
                             "rig7",
                             "-o",
                             "pool2.example:443",
                             "--tls",
                             "-u",
                             "second",
                             "-c",
                             "conf.json",
                             "--coin=monero"},
                            ind());
  REQUIRE(a.pools.size() == 2);
  CHECK(a.pools[0].host == "pool.supportxmr.com");
  CHECK(a.pools[0].port == 3333);
  CHECK(a.pools[0].user == kXmr + ".w1");
  CHECK_FALSE(a.pools[0].tls);
  CHECK(a.pools[0].source == "cmdline");
  CHECK(a.pools[1].host == "pool2.example");
  CHECK(a.pools[1].tls);
  CHECK(a.pools[1].user == "second");
  CHECK(a.algorithm == "rx/0");
  CHECK(a.rig_id == "rig7");
  CHECK(a.config_path == "conf.json");
  CHECK(a.coin == "monero");
  REQUIRE(a.flag_family);
  CHECK(a.flag_family->name == "xmrig");
  CHECK(a.family_flags == std::vector<std::string>{"--donate-level=1", "--rig-id"});
}

TEST_CASE("option forms: glued, =value, login before the pool, ethminer userinfo, cpuminer -O") {
  auto glued = parse_miner_args({"m", "-ostratum+ssl://p.example:14433", "--user=W"}, ind());
  REQUIRE(glued.pools.size() == 1);
  CHECK(glued.pools[0].tls);
  CHECK(glued.pools[0].user == "W");

  auto before = parse_miner_args({"m", "-u", "W", "--tls", "--url=p.example:3333"}, ind());
  REQUIRE(before.pools.size() == 1);
  CHECK(before.pools[0].user == "W");
  CHECK(before.pools[0].tls);

  auto eth = parse_miner_args({"ethminer", "-P", "stratum1+tcp://0xabc.rig@eth.example:4444"}, ind());
  REQUIRE(eth.pools.size() == 1);
  CHECK(eth.pools[0].user == "0xabc.rig");
  CHECK(eth.pools[0].host == "eth.example");

  auto cpu = parse_miner_args({"minerd", "-o", "stratum+tcp://p.example:3333", "-O", "W:x"}, ind());
  REQUIRE(cpu.pools.size() == 1);
  CHECK(cpu.pools[0].user == "W");

  auto nopool = parse_miner_args({"xmrig", "-u", "W", "-c", "/etc/x.json"}, ind());
  CHECK(nopool.pools.empty());
  CHECK(nopool.user_without_pool == "W");

  auto bad = parse_miner_args({"xmrig", "-o", "http://example.com/", "-o"}, ind());
  CHECK(bad.pools.empty());
  CHECK(bad.bad_urls == std::vector<std::string>{"http://example.com/"});

  auto xargs = parse_miner_args({"xargs", "-P", "2", "clang-tidy", "-p", "build"}, ind());
  CHECK_FALSE(xargs.flag_family);
  CHECK(xargs.family_flags.empty());
  CHECK(eth.flag_family);

  auto benign = parse_miner_args({"/usr/bin/python3", "-c", "print(1)", "-u"}, ind());
  CHECK(benign.pools.empty());
  CHECK_FALSE(benign.flag_family);
}

TEST_CASE("shell words of a dropper line") {
  auto w =
      split_shell_words("nohup ./kdevtmpfsi -o 'stratum+tcp://p.example:3333' -u \"W\\\"x\" >/dev/null 2>&1 & # run");
  REQUIRE(w.size() >= 6);
  CHECK(w[0] == "nohup");
  CHECK(w[1] == "./kdevtmpfsi");
  CHECK(w[3] == "stratum+tcp://p.example:3333");
  CHECK(w[5] == "W\"x");
  CHECK(split_shell_words("  # only a comment").empty());
}

TEST_CASE("XMRig config.json: pools, logins, TLS, rig id, algorithm, keys") {
  auto text = R"({
    // XMRig accepts comments
    "autosave": true, "donate-level": 1,
    "cpu": {"enabled": true, "huge-pages": true},
    "randomx": {"1gb-pages": true, "wrmsr": true},
    "pools": [
      {"algo": "rx/0", "coin": "monero", "url": "pool.hashvault.pro:443", "user": ")" +
              kXmr + R"(", "pass": "x",
       "rig-id": "box1", "tls": true, "enabled": true},
      {"url": "stratum+tcp://10.0.0.9:3333", "user": "second"}
    ]
  })";
  auto c = parse_miner_config(text, ind());
  CHECK(c.valid_json);
  REQUIRE(c.pools.size() == 2);
  CHECK(c.pools[0].host == "pool.hashvault.pro");
  CHECK(c.pools[0].port == 443);
  CHECK(c.pools[0].tls);
  CHECK(c.pools[0].user == kXmr);
  CHECK(c.pools[0].source == "config");
  CHECK(c.pools[1].host == "10.0.0.9");
  CHECK(c.algorithm == "rx/0");
  CHECK(c.coin == "monero");
  CHECK(c.rig_id == "box1");
  REQUIRE(c.wallets.size() == 1);
  CHECK(c.wallets[0].checksum_valid);
  REQUIRE(ind().family_for_config_keys(c.top_keys));
  CHECK(ind().family_for_config_keys(c.top_keys)->name == "xmrig");
}

TEST_CASE("a config that is not JSON is still mined") {
  struct Row {
    std::string text;
    size_t pools;
    std::string first_host, first_user;
  };
  const Row rows[] = {
      // truncated mid-write
      {R"({"pools": [{"url": "stratum+tcp://p.example:3333", "user": ")" + kXmr + R"(", "tls": true,)", 1, "p.example",
       kXmr},
      // xmr-stak pools.txt: a fragment with trailing commas
      {"\"pool_list\" :\n[\n {\"pool_address\" : \"xmr.example:5555\", \"wallet_address\" : \"" + kXmr +
           "\", \"rig_id\" : \"\", \"use_tls\" : false },\n],\n\"currency\" : \"monero\",\n",
       1, "xmr.example", kXmr},
      // a key-value mess with a URL only in free text
      {"garbage { url = stratum+ssl://q.example:14433 }", 1, "q.example", ""},
      {"\"url\": \"\\\"unterminated\n", 0, "", ""},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto c = parse_miner_config(r.text, ind());
    CHECK_FALSE(c.valid_json);
    CHECK_FALSE(c.parse_error.empty());
    REQUIRE(c.pools.size() == r.pools);
    if (r.pools) {
      CHECK(c.pools[0].host == r.first_host);
      CHECK(c.pools[0].user == r.first_user);
    }
  }
  auto stak = parse_miner_config(rows[1].text, ind());
  CHECK(stak.coin == "monero");
  CHECK(stak.wallets.size() == 1);
}

TEST_CASE("a number a double cannot hold is a broken config, not an exception (fuzz_miner_config's crash)") {
  // The fuzzer's input: JSON's grammar allows 555556E2777, nlohmann's parser throws out_of_range for it.
  auto crash = parse_miner_config(std::string_view("555556E2777+55555545555557JJ\0\0\x14"
                                                   "5\xff"
                                                   "3\"",
                                                   35),
                                  ind());
  CHECK_FALSE(crash.valid_json);
  CHECK_FALSE(crash.parse_error.empty());
  auto c = parse_miner_config(R"({"pools": [{"url": "stratum+tcp://p.example:3333", "diff": 1E400}]})", ind());
  CHECK_FALSE(c.valid_json);
  REQUIRE(c.pools.size() == 1);
  CHECK(c.pools[0].host == "p.example");
}
