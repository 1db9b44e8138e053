#include <doctest/doctest.h>

#include "actions/hosts_block.h"
#include "host/dns.h"

using namespace unmine;

namespace {
constexpr std::string_view kUuid = "0b7c1d2e-1111-4222-8333-944455556666";
}

TEST_CASE("the block is appended, grown in place, and removed leaving every other byte as it was") {
  const std::string original = "127.0.0.1\tlocalhost\n::1 localhost ip6-localhost\n# keep me\n10.0.0.5 db.internal";
  auto first = add_hosts_block(original, kUuid, {"pool.example", "xmr.example"});
  CHECK(first.added_newline);  // the original lacked a final newline
  CHECK(first.added == std::set<std::string>{"pool.example", "xmr.example"});
  CHECK(first.content.starts_with(original + "\n# BEGIN unmine block (case " + std::string(kUuid) + ")\n"));
  CHECK(first.content.find("0.0.0.0 pool.example\n:: pool.example\n") != std::string::npos);
  CHECK(first.content.ends_with("# END unmine block\n"));

  auto again = add_hosts_block(first.content, kUuid, {"pool.example", "xmr.example"});
  CHECK(again.added.empty());
  CHECK(again.content == first.content);

  // Lines added after our block by someone else stay where they are.
  auto edited = first.content + "192.0.2.1 added.later\n";
  auto grown = add_hosts_block(edited, kUuid, {"new.example"});
  CHECK(grown.added == std::set<std::string>{"new.example"});
  CHECK(grown.domains.size() == 3);
  CHECK(grown.content.ends_with("# END unmine block\n192.0.2.1 added.later\n"));

  auto stripped = strip_hosts_block(grown.content, kUuid, true);
  REQUIRE(stripped);
  // Not the tail any more: the newline we added stays, everything else is the original.
  CHECK(*stripped == original + "\n192.0.2.1 added.later\n");
  auto tail = strip_hosts_block(first.content, kUuid, true);
  REQUIRE(tail);
  CHECK(*tail == original);
  CHECK_FALSE(strip_hosts_block(original, kUuid, false));
}

TEST_CASE("another case's block and an unterminated block are left alone") {
  const std::string other = "# BEGIN unmine block (case other)\n0.0.0.0 a.example\n# END unmine block\n";
  auto edit = add_hosts_block(other, kUuid, {"b.example"});
  CHECK(edit.content.starts_with(other));
  CHECK_FALSE(edit.added_newline);
  CHECK(*strip_hosts_block(edit.content, kUuid, false) == other);
  const std::string broken = "# BEGIN unmine block (case " + std::string(kUuid) + ")\n0.0.0.0 a.example\n";
  CHECK_FALSE(find_hosts_block(broken, kUuid));
}

TEST_CASE("hosts poisoning: pools pointed anywhere, names pinned to public addresses") {
  const std::string text =
      "127.0.0.1 localhost\n"
      "::1 localhost ip6-localhost\n"
      "10.1.1.1 nas.lan\n"
      "127.0.0.1 pool.rival.example   # rival miner's cleanup\n"
      "203.0.113.50 xmr.pool.example\n"
      "198.51.100.9 update.c2.example\n"
      "not-an-address foo.example\n"
      "# BEGIN unmine block (case x)\n0.0.0.0 pool.example\n# END unmine block\n";
  auto findings = hosts_poisoning(text, "/etc/hosts", {"pool.example", "pool.rival.example"});
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].line == 4);
  CHECK(findings[0].severity == Severity::low);
  CHECK(findings[0].group == Group::pool);
  CHECK(findings[1].line == 5);
  CHECK(findings[1].severity == Severity::high);  // a subdomain of a pool, sent to a routable address
  CHECK(findings[1].evidence["address"] == "203.0.113.50");
  CHECK(findings[2].line == 6);
  CHECK(findings[2].group == Group::tooling);
  for (auto& f : findings) {
    CHECK(f.kind == "net.dns");
    CHECK(f.path == "/etc/hosts");
  }
  // Same artifact, same id across runs.
  CHECK(hosts_poisoning(text, "/etc/hosts", {"pool.example", "pool.rival.example"})[1].id == findings[1].id);
}

TEST_CASE("the shared hosts parser marks unmine's blocks and keeps each line's bytes for edits") {
  auto p = parse_hosts_file(
      "# c\n1.2.3.4 a b # trailing\n\n5.6.7.8\n# BEGIN unmine block (case y)\n0.0.0.0 z\n# END unmine block\n9.9.9.9 "
      "c\r\n");
  REQUIRE(p.entries.size() == 3);
  CHECK(p.entries[0].line == 2);
  CHECK(p.entries[0].names == std::vector<std::string>{"a", "b"});
  CHECK(p.entries[0].raw == "1.2.3.4 a b # trailing");
  CHECK(p.entries[0].text == "1.2.3.4 a b");
  CHECK(p.entries[1].responder_block);
  CHECK(p.entries[1].sinkhole);
  CHECK_FALSE(p.entries[2].responder_block);
  CHECK(p.entries[2].line == 8);
  CHECK(p.anomalies.size() == 1);  // 5.6.7.8 without a name
}
