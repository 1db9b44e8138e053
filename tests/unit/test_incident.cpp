#include <doctest/doctest.h>

#include "model/incident.h"

using namespace unmine;

TEST_CASE("incident indicators match on word and path boundaries") {
  IncidentIndicators ind;
  ind.paths = {"/tmp/.x/xmrig"};
  ind.dirs = {"/tmp/.x", "/tmp"};
  ind.names = {"kdevtmpfsi"};
  ind.domains = {"pool.supportxmr.com"};
  ind.wallets = {"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"};
  struct Row {
    std::string text;
    std::optional<std::string> type;
  };
  const Row rows[] = {
      {"* * * * * /tmp/.x/xmrig -B", "path"},
      {"* * * * * /tmp/.x/xmrigs", "dir"},     // not the exe, but inside its folder
      {"@reboot /tmp/.xy/run", std::nullopt},  // /tmp/.x is not /tmp/.xy; /tmp alone is generic
      {"curl http://pool.supportxmr.com:3333", "domain"},
      {"echo notpool.supportxmr.community", std::nullopt},
      {"nohup ./kdevtmpfsi &", "name"},
      {"nohup ./kdevtmpfsi2 &", std::nullopt},
      // A name ties as a whole word of a command only: argv[0] or a path's last component.
      {"ExecStart=/opt/bin/kdevtmpfsi -c x", "name"},
      {"(kdevtmpfsi)&", "name"},
      {"# kdevtmpfsi: huge pages for RandomX", "name"},
      {"cat /var/log/kdevtmpfsi.log", std::nullopt},
      {"cd /srv/kdevtmpfsi/bin && ./run", std::nullopt},
      {"kdevtmpfsi_helper --once", std::nullopt},
      {"ExecStart=/usr/bin/kdevtmpfsi-wrapper", std::nullopt},
      {"-u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", "wallet"},
      {"0 3 * * * /usr/bin/apt-get update", std::nullopt},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto hit = ind.referenced_in(r.text);
    CHECK(hit.has_value() == r.type.has_value());
    if (hit && r.type) CHECK(hit->type == *r.type);
  }
}

TEST_CASE("generic folders never tie an artifact to the incident") {
  CHECK(is_generic_dir("/tmp"));
  CHECK(is_generic_dir("/tmp/"));
  CHECK(is_generic_dir("/home/alice"));
  CHECK_FALSE(is_generic_dir("/home/alice/.cache/x"));
  CHECK_FALSE(is_generic_dir("/tmp/.x"));
}

TEST_CASE("addresses that name no one host are never indicators in a command line") {
  IncidentIndicators ind;
  ind.ips = {"127.0.0.1", "10.1.2.3", "192.168.1.5", "169.254.169.254", "0.0.0.0", "::1", "fe80::1", "203.0.113.7"};
  CHECK_FALSE(ind.referenced_in("node server.js --host 127.0.0.1"));
  CHECK_FALSE(ind.referenced_in("redis-server 0.0.0.0:6379 --replicaof 10.1.2.3"));
  CHECK_FALSE(ind.referenced_in("curl http://169.254.169.254/latest/meta-data"));
  auto hit = ind.referenced_in("./x -o 203.0.113.7:3333");
  REQUIRE(hit);
  CHECK(hit->type == "ip");
}
