#include <doctest/doctest.h>

#include "actions/block_intel.h"
#include "actions/block_plan.h"
#include "core/error.h"

using namespace unmine;

namespace {

PoolIntel intel() {
  PoolIntel i;
  i.domains = {"pool.minexmr.com", "xmr.pool.minergate.com"};
  i.stratum_only = {3333, 4444, 14444};
  i.service = {25, 80, 443, 8080};
  return i;
}

}  // namespace

TEST_CASE("canonical_ip accepts v4 and v6 and rejects everything else") {
  struct Row {
    const char* in;
    std::optional<std::string> out;
  };
  const Row rows[] = {
      {"10.1.2.3", "10.1.2.3"},           {"2001:DB8:0:0::1", "2001:db8::1"},
      {"[2001:db8::1]", "2001:db8::1"},   {"::ffff:192.0.2.7", "192.0.2.7"},
      {"10.1.2", std::nullopt},           {"10.1.2.3; rm -rf /", std::nullopt},
      {"300.1.1.1", std::nullopt},        {"", std::nullopt},
      {"pool.example.com", std::nullopt},
  };
  for (auto& r : rows) {
    CAPTURE(r.in);
    CHECK(canonical_ip(r.in) == r.out);
  }
}

TEST_CASE("domain_problem refuses what a resolver or a shell would read specially") {
  struct Row {
    std::string in;
    bool ok;
  };
  const Row rows[] = {
      {"pool.supportxmr.com", true},
      {"xmr-eu1.nanopool.org", true},
      {"_srv.pool.example", true},
      {"pool.example.com;reboot", false},
      {"pool.example.com\nevil 1.2.3.4", false},
      {"$(id).example.com", false},
      {"pool..example.com", false},
      {"-pool.example.com", false},
      {"localhost", false},
      {"10.0.0.1", false},
      {std::string(64, 'a') + ".example.com", false},
      {std::string(63, 'a') + ".example.com", true},
      {std::string(250, 'a') + ".com", false},
      {"", false},
  };
  for (auto& r : rows) {
    CAPTURE(r.in);
    CHECK(domain_problem(r.in).empty() == r.ok);
  }
}

TEST_CASE("pool addresses get the miner's ports and the stratum ports; any address only the pool-only ports") {
  BlockInputs in;
  in.intel = intel();
  in.intel.stratum_only.insert(8080);  // a port the public list names but services use: never to any address
  in.incident.ips = {"198.51.100.7", "2001:db8::7"};
  in.incident.ports = {443, 3333};
  in.incident.domains = {"Pool.Evil.Example."};
  auto plan = plan_block(in);
  CHECK(plan.ipv4.at("198.51.100.7") == "incident");
  CHECK(plan.ipv6.at("2001:db8::7") == "incident");
  CHECK(plan.any_ports == std::set<uint16_t>{3333, 4444, 14444});
  CHECK(plan.pool_ports == std::set<uint16_t>{443, 3333, 4444, 14444});
  CHECK_FALSE(plan.whole_address);
  CHECK(plan.domains.at("pool.evil.example") == "incident");
  CHECK(plan.domains.at("pool.minexmr.com") == "playbook");
  CHECK(plan.rejected.empty());
  for (auto p : {25, 80, 443, 8080}) CHECK_FALSE(plan.any_ports.contains(static_cast<uint16_t>(p)));
}

TEST_CASE("the responder's --ip and --host are checked; bad ones are usage errors") {
  BlockInputs in;
  in.intel = intel();
  in.ips = {"203.0.113.9"};
  in.hosts = {"c2.attacker.example"};
  in.whole_address = true;
  auto plan = plan_block(in);
  CHECK(plan.ipv4.at("203.0.113.9") == "--ip");
  CHECK(plan.domains.at("c2.attacker.example") == "--host");
  CHECK(plan.whole_address);

  for (auto bad : {"203.0.113", "0.0.0.0", "1.2.3.4/24", "$(reboot)"}) {
    BlockInputs b;
    b.intel = intel();
    b.ips = {bad};
    CAPTURE(bad);
    CHECK_THROWS_AS(plan_block(b), UsageError);
  }
  for (std::string bad : {std::string("evil.example;reboot"), std::string(300, 'a'), std::string("a b.example"),
                          std::string(70, 'x') + ".example"}) {
    BlockInputs b;
    b.intel = intel();
    b.hosts = {bad};
    CAPTURE(bad);
    CHECK_THROWS_AS(plan_block(b), UsageError);
  }
}

TEST_CASE("bad indicators from the case become findings, never rules") {
  BlockInputs in;
  in.intel = intel();
  in.incident.ips = {"not-an-ip", "127.0.0.1", "192.0.2.1"};
  in.incident.domains = {"x.example`id`", "good.example"};
  auto plan = plan_block(in);
  CHECK(plan.ipv4.size() == 1);
  CHECK(plan.domains.contains("good.example"));
  CHECK(plan.rejected.size() == 3);
  for (auto& f : plan.rejected) {
    CHECK(f.group == Group::pool);
    CHECK((f.kind == "net.dns" || f.kind == "net.connection"));
  }
}

TEST_CASE("nothing to block is a usage error") {
  BlockInputs in;
  CHECK_THROWS_AS(plan_block(in), UsageError);
}

TEST_CASE("the built-in playbook splits its pool ports into pool-only and service ports") {
  auto i = pool_intel(Playbook::load());
  for (auto p : {3333, 4444, 5555, 7777, 14444, 45700}) CHECK(i.stratum_only.contains(static_cast<uint16_t>(p)));
  for (auto p : {25, 80, 443, 8080}) {
    CHECK_FALSE(i.stratum_only.contains(static_cast<uint16_t>(p)));
  }
  CHECK(i.service.contains(8080));
  CHECK(i.domains.contains("pool.minexmr.com"));
  CHECK(i.domains.size() > 500);
}

TEST_CASE("the responder's SSH peer and the host's resolvers are never dropped, even when named as pools") {
  BlockInputs in;
  in.intel = intel();
  in.incident.ips = {"198.51.100.7", "192.0.2.53", "2001:db8::7"};
  in.ips = {"203.0.113.9"};  // --ip of the responder's own address, by mistake
  in.keep = {{"203.0.113.9", "the responder's SSH peer (SSH_CONNECTION)"},
             {"192.0.2.53", "DNS resolver (/etc/resolv.conf)"},
             {"2001:db8:0::1", "DNS resolver (/etc/resolv.conf)"}};
  auto plan = plan_block(in);
  CHECK(plan.ipv4.count("198.51.100.7"));
  CHECK_FALSE(plan.ipv4.count("203.0.113.9"));
  CHECK_FALSE(plan.ipv4.count("192.0.2.53"));
  CHECK(plan.kept.at("203.0.113.9") == "the responder's SSH peer (SSH_CONNECTION)");
  CHECK(plan.kept.at("192.0.2.53") == "DNS resolver (/etc/resolv.conf)");
  CHECK(plan.kept.at("2001:db8::1") == "DNS resolver (/etc/resolv.conf)");  // canonical text
  // The plan says so: each address taken out is a finding naming why.
  int said = 0;
  for (auto& f : plan.rejected) said += f.summary.find("never dropped") != std::string::npos;
  CHECK(said == 2);
}
