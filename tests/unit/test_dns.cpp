#include <doctest/doctest.h>

#include "host/dns.h"

using namespace unmine;

TEST_CASE("parse_hosts_file: entries, sinkholes, comments and anomalies") {
  auto h = parse_hosts_file(
      "127.0.0.1\tlocalhost\n"
      "# comment line\n"
      "\n"
      "45.9.148.21 Pool.SupportXMR.com. xmr.example # pinned\n"
      "0.0.0.0 pool.minexmr.com\n"
      "::1 ip6-localhost\n"
      "fe80::1%eth0 link\n"
      "not-an-address host\n"
      "10.1.1.1\n"
      "10.2.2.2 bad\xffname good.example\n"
      "10.3.3.3 line\nwith-newline\n");
  REQUIRE(h.entries.size() == 6);
  CHECK(h.entries[0].names == std::vector<std::string>{"localhost"});
  CHECK(h.entries[0].sinkhole);
  CHECK(h.entries[1].address == "45.9.148.21");
  CHECK(h.entries[1].names == std::vector<std::string>{"pool.supportxmr.com", "xmr.example"});
  CHECK(h.entries[1].line == 4);
  CHECK_FALSE(h.entries[1].sinkhole);
  CHECK(h.entries[1].text == "45.9.148.21 Pool.SupportXMR.com. xmr.example");
  CHECK(h.entries[2].sinkhole);
  CHECK(h.entries[3].sinkhole);  // ::1
  CHECK(h.entries[4].names == std::vector<std::string>{"good.example"});
  // fe80::1%eth0 (scoped), not-an-address, an address alone, a bad name, "with-newline" alone.
  CHECK(h.anomalies.size() == 5);
  for (auto& a : h.anomalies) CHECK(a.find('\n') == std::string::npos);
}

TEST_CASE("parse_hosts_file: entries inside the responder's own sinkhole block are marked") {
  auto h = parse_hosts_file(
      "0.0.0.0 a.example\n# BEGIN unmine block case-1\n0.0.0.0 pool.example\n"
      "# END unmine block\n0.0.0.0 b.example\n");
  REQUIRE(h.entries.size() == 3);
  CHECK_FALSE(h.entries[0].responder_block);
  CHECK(h.entries[1].responder_block);
  CHECK_FALSE(h.entries[2].responder_block);
}

TEST_CASE("parse_resolv_conf") {
  auto r = parse_resolv_conf(
      "# x\nsearch corp.example lab.example\nnameserver 10.0.0.2\nnameserver bogus\n"
      "options edns0\nsortlist 10.0.0.0\nfrobnicate yes\n");
  CHECK(r.nameservers == std::vector<std::string>{"10.0.0.2"});
  CHECK(r.search == std::vector<std::string>{"corp.example", "lab.example"});
  CHECK(r.options == std::vector<std::string>{"edns0"});
  CHECK(r.anomalies.size() == 2);
}

TEST_CASE("host names in a binary cache") {
  using namespace std::string_literals;
  auto names = extract_cached_host_names(
      "\x01\x02pool.example.com\0\xff\xfe"
      "Deb.Debian.Org.\0"
      "1.2.3.4\0x\0.bad..name\0pool.example.com\0ab.c\0"s);
  CHECK(names == std::vector<std::string>{"pool.example.com", "deb.debian.org", "ab.c"});
  CHECK(extract_cached_host_names("").empty());
  CHECK(extract_cached_host_names("no nul at all.example.com").empty());
  CHECK(is_host_name("a-b.example."));
  CHECK_FALSE(is_host_name("a..b"));
  CHECK_FALSE(is_host_name(std::string(64, 'a') + ".com"));
}

TEST_CASE("read_dns_state on a fixture root") {
  HostRoot host({UNMINE_FIXTURES "/hosts/dns", "", ""});
  auto s = read_dns_state(host);
  CHECK(s.hosts_read);
  CHECK(s.hosts.entries.size() == 6);
  CHECK(s.hosts.anomalies.size() == 2);
  CHECK(s.resolv.nameservers == std::vector<std::string>{"10.0.0.2", "1.1.1.1"});
  CHECK(s.cache_path == "/var/cache/nscd/hosts");
  CHECK(s.cached_names == std::vector<std::string>{"pool.supportxmr.com", "deb.debian.org"});
}
