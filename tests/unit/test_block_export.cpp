#include <doctest/doctest.h>

#include "actions/block_export.h"
#include "core/error.h"

using namespace unmine;

namespace {

BlockPlan plan() {
  BlockPlan p;
  p.ipv4 = {{"198.51.100.7", "incident"}};
  p.ipv6 = {{"2001:db8::7", "incident"}};
  p.pool_ports = {3333, 8443};
  p.any_ports = {3333, 4444, 5555, 7777, 14444, 3334,  3335,  3336, 3357,
                 5556, 5588, 5730, 6099, 7778,  14433, 45560, 45700};
  p.domains = {{"pool.example", "incident"}, {"eu.pool.example", "playbook"}, {"xmr.other.example", "playbook"}};
  return p;
}

const ExportMeta kMeta{"case-uuid", "2026-11-23T12:00:00Z", 1763899200};

bool has_line(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("DNS exports: hosts lists every name; the zone formats drop names their parent covers") {
  auto hosts = render_export("hosts", plan(), kMeta);
  CHECK(has_line(hosts, "0.0.0.0 eu.pool.example"));
  CHECK(has_line(hosts, ":: pool.example"));
  auto dnsmasq = render_export("dnsmasq", plan(), kMeta);
  CHECK(has_line(dnsmasq, "address=/pool.example/0.0.0.0"));
  CHECK(has_line(dnsmasq, "address=/pool.example/::"));
  CHECK(dnsmasq.find("eu.pool.example") == std::string::npos);
  auto unbound = render_export("unbound", plan(), kMeta);
  CHECK(has_line(unbound, "server:"));
  CHECK(has_line(unbound, "    local-zone: \"xmr.other.example.\" always_null"));
  auto rpz = render_export("rpz", plan(), kMeta);
  CHECK(has_line(rpz, "pool.example CNAME ."));
  CHECK(has_line(rpz, "*.pool.example CNAME ."));
  CHECK(rpz.find("1763899200") != std::string::npos);
}

TEST_CASE("firewall exports: pool addresses on pool ports, pool-only ports everywhere") {
  auto nft = render_export("nft", plan(), kMeta);
  CHECK(nft.find("table inet unmine\ndelete table inet unmine\ntable inet unmine {") != std::string::npos);
  CHECK(nft.find("elements = { 198.51.100.7 }") != std::string::npos);
  CHECK(nft.find("ip daddr @pool_v4 tcp dport @pool_ports counter name \"pool\" drop") != std::string::npos);
  CHECK(nft.find("type filter hook forward priority filter; policy accept;") != std::string::npos);
  auto ipt = render_export("iptables", plan(), kMeta);
  CHECK(has_line(ipt, "*filter"));
  CHECK(has_line(ipt, "-A OUTPUT -j UNMINE-EGRESS"));
  CHECK(has_line(ipt, "-A UNMINE-EGRESS -d 198.51.100.7/32 -p tcp -m multiport --dports 3333,8443 -j DROP"));
  // 17 pool-only ports: multiport takes 15, so two rules.
  CHECK(has_line(ipt, "-A UNMINE-EGRESS -p tcp -m multiport --dports 45560,45700 -j DROP"));
  CHECK(ipt.find("2001:db8::7") == std::string::npos);
  CHECK(has_line(ipt, "COMMIT"));
  auto ip6 = render_export("ip6tables", plan(), kMeta);
  CHECK(has_line(ip6, "-A UNMINE-EGRESS -d 2001:db8::7/128 -p tcp -m multiport --dports 3333,8443 -j DROP"));
  auto whole = plan();
  whole.whole_address = true;
  CHECK(has_line(render_export("iptables", whole, kMeta), "-A UNMINE-EGRESS -d 198.51.100.7/32 -j DROP"));
  for (auto p : {"25", "80", "443", "8080"}) CHECK(ipt.find("," + std::string(p) + ",") == std::string::npos);
}

TEST_CASE("proxy and IDS exports") {
  auto squid = render_export("squid", plan(), kMeta);
  CHECK(has_line(squid, "acl unmine_pool_domains dstdomain .pool.example"));
  CHECK(has_line(squid, "acl unmine_pool_addresses dst 2001:db8::7"));
  CHECK(has_line(squid, "http_access deny unmine_pool_domains"));
  auto rules = render_export("suricata", plan(), kMeta);
  CHECK(rules.find("dns.query; dotprefix; content:\".pool.example\"; nocase; endswith;") != std::string::npos);
  CHECK(rules.find("tls.sni; dotprefix; content:\".pool.example\"; nocase; endswith;") != std::string::npos);
  CHECK(rules.find("\\x22method\\x22\\s*:\\s*\\x22login\\x22") != std::string::npos);
  CHECK(rules.find("mining\\.subscribe") != std::string::npos);
  // Every rule has its own sid.
  std::set<std::string> sids;
  size_t n = 0;
  for (size_t pos = rules.find("sid:"); pos != std::string::npos; pos = rules.find("sid:", pos + 1), ++n)
    sids.insert(rules.substr(pos, rules.find(';', pos) - pos));
  CHECK(sids.size() == n);
  CHECK(n == 2 + 1 + 2 * 2);
}

TEST_CASE("an unknown format names the known ones") {
  CHECK_THROWS_WITH_AS(render_export("pf", plan(), kMeta), doctest::Contains("suricata"), UsageError);
}
