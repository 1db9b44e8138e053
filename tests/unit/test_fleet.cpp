// The fleet: IoC documents, the sweep over a fixture tree, bundles, merging host cases and the fleet view.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "case/case_store.h"
#include "case/fleet_view.h"
#include "core/hashing.h"
#include "detect/ioc_sweep.h"
#include "evidence/evidence_store.h"
#include "evidence/verify.h"
#include "fleet/bundle.h"
#include "fleet/merge.h"
#include "model/iocs.h"

using namespace unmine;
namespace fs = std::filesystem;

namespace {

const std::string kWallet =
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
const std::string kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGXuf9AkwWMKZfOxoS+8RdLmPVejrdfufiqPio1I9nAz test@fleet";

struct Scratch {
  fs::path path;
  Scratch() {
    std::string t =
        (fs::temp_directory_path() / ("unmine-unit-fleet-" + std::to_string(::getpid()) + "-XXXXXX")).string();
    path = ::mkdtemp(t.data());
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& rel, const std::string& data) const {
    fs::create_directories((path / rel).parent_path());
    std::ofstream(path / rel, std::ios::binary) << data;
  }
};

// A host case with one finding naming the wallet and one preserved item, exported as a bundle.
fs::path host_bundle(const Scratch& s, const std::string& host, const std::string& item, const std::string& wallet) {
  auto store = CaseStore::open(s.path / ("case-" + host), "cryptomining", "/");
  auto f = make_finding(Group::persistence, "cron", Severity::high, "cron line tied to the incident", host + item);
  f.path = "/etc/cron.d/x";
  f.evidence = {{"text", "* * * * * root /tmp/x -u " + wallet},
                {"rule", "wallet"},
                {"indicator", wallet},
                {"indicator_type", "wallet"}};
  store->record_findings({f}, std::nullopt);
  {
    EvidenceStore es(*store, "preserve");
    ItemSource src;
    src.kind = "persistence";
    src.source_path = "/etc/cron.d/x";
    CHECK(es.preserve_bytes(item, src).stored());
    es.finish();
  }
  auto out = s.path / (host + ".tar.zst");
  export_case(*store, host, out);
  return out;
}

}  // namespace

TEST_CASE("an IoC document is read back as written and refused with a reason when it is not one") {
  IocSet s;
  s.case_uuid = "c1";
  s.host = "web-1";
  s.add("wallet", kWallet, {{"coin", "monero"}});
  s.add("ipv4", "203.0.113.7");
  s.add("port", "3333");
  s.add("wallet", kWallet);  // twice: kept once
  auto back = IocSet::parse(s.to_json().dump(), "t");
  CHECK(back.iocs.size() == 3);
  CHECK(back.host == "web-1");
  CHECK(back.find("ip", "203.0.113.7") != nullptr);
  auto ind = back.indicators();
  CHECK(ind.wallets.count(kWallet) == 1);
  CHECK(ind.ports.count(3333) == 1);

  CHECK_THROWS_WITH(IocSet::parse("{", "f"), doctest::Contains("not JSON"));
  CHECK_THROWS_WITH(IocSet::parse(R"({"iocs": []})", "f"), doctest::Contains("not an unmine IoC document"));
  CHECK_THROWS_WITH(IocSet::parse(R"({"format": "unmine-iocs", "version": 9, "iocs": []})", "f"),
                    doctest::Contains("newer"));
  CHECK_THROWS_WITH(
      IocSet::parse(R"({"format": "unmine-iocs", "version": 1, "iocs": [{"type": "colour", "value": "x"}]})", "f"),
      doctest::Contains("unknown type 'colour'"));
}

TEST_CASE("an SSH key's fingerprint is the one ssh-keygen -l prints") {
  CHECK(ssh_key_fingerprint(kKey) == "SHA256:T9pf7p3hOoVXEV1WnJaxmwXGeQw2tKE6kcseO9XVuP0");
  CHECK(ssh_key_fingerprint("command=\"/bin/true\" " + kKey) == "SHA256:T9pf7p3hOoVXEV1WnJaxmwXGeQw2tKE6kcseO9XVuP0");
  CHECK_FALSE(ssh_key_fingerprint("ssh-ed25519 !!notbase64!!"));
  CHECK_FALSE(ssh_key_fingerprint("# a comment"));
}

TEST_CASE("the sweep finds a binary by its hash under another name, a wallet in a config and a planted key") {
  Scratch root;
  std::string binary = std::string(
      "\x7f"
      "ELF miner bytes",
      16);
  root.write("usr/local/bin/dbus-daemon-helper", binary);
  root.write("opt/app/settings.json", "{\"user\": \"" + kWallet + "\"}");
  root.write("root/.ssh/authorized_keys", kKey + "\n");
  root.write("tmp/readme.txt", "nothing here");
  HostRoot host(HostPaths{root.path.string()});
  IocSet iocs;
  iocs.case_uuid = "c1";
  iocs.add("sha256", sha256_hex(binary));
  iocs.add("wallet", kWallet);
  iocs.add("ssh_key", *ssh_key_fingerprint(kKey));
  auto r = sweep_iocs(host, iocs, {});
  std::map<std::string, const Finding*> by_kind;
  for (auto& f : r.findings) by_kind[f.kind] = &f;
  REQUIRE(by_kind.count("file.miner_binary"));
  CHECK(*by_kind["file.miner_binary"]->path == "/usr/local/bin/dbus-daemon-helper");
  CHECK(by_kind["file.miner_binary"]->evidence["ioc"]["type"] == "sha256");
  REQUIRE(by_kind.count("file.miner_config"));
  CHECK(by_kind["file.miner_config"]->evidence["ioc"]["value"] == kWallet);
  REQUIRE(by_kind.count("ssh_key"));
  CHECK(by_kind["ssh_key"]->line == 1);
  for (auto& f : r.findings) CHECK(f.severity == Severity::high);
  CHECK(r.findings.size() == 3);

  // The case folder inside the root is skipped (its copies would match).
  auto skipped = sweep_iocs(host, iocs, {"/opt"});
  for (auto& f : skipped.findings) CHECK(f.kind != "file.miner_config");

  // A clean tree: nothing.
  Scratch clean;
  clean.write("etc/hostname", "b\n");
  HostRoot clean_host(HostPaths{clean.path.string()});
  CHECK(sweep_iocs(clean_host, iocs, {}).findings.empty());
}

TEST_CASE("an IoC match makes the verdict at least high") {
  auto f = make_finding(Group::persistence, "systemd", Severity::high, "unit", "k");
  auto v = attack_chain_verdict({f});
  CHECK(v.severity == Severity::low);
  f.evidence["ioc"] = {{"type", "wallet"}, {"value", kWallet}};
  CHECK(raise_for_ioc_matches(attack_chain_verdict({f}), {f}).severity == Severity::high);
}

TEST_CASE("host bundles merge into one fleet case: rows keep their host, custody is checked, twice changes nothing") {
  Scratch s;
  auto a = host_bundle(s, "web-a", "evidence of a", kWallet);
  auto c = host_bundle(s, "web-c", "evidence shared", kWallet);
  auto b = host_bundle(s, "web-b", "evidence shared", "none");
  auto fleet = CaseStore::open(s.path / "fleet", "cryptomining", "/");
  auto merged = merge_bundles(*fleet, {a, b, c});
  REQUIRE(merged.size() == 3);
  for (auto& m : merged) CHECK(m.status == "merged");
  CHECK(fleet->query("SELECT COUNT(*) AS n FROM hosts")[0]["n"] == 3);
  CHECK(fleet->query("SELECT COUNT(DISTINCT case_id) AS n FROM findings")[0]["n"] == 3);
  // The content shared by b and c is stored once.
  CHECK(merged[1].files_copied + merged[2].files_copied < 2 * merged[0].files_copied);

  auto rep = verify_case_integrity(*fleet);
  CHECK(rep.intact());
  CHECK(rep.hosts == 3);
  CHECK(rep.items == 3);

  auto again = merge_bundles(*fleet, {a, b, c});
  for (auto& m : again) CHECK(m.status == "unchanged");
  CHECK(fleet->query("SELECT COUNT(*) AS n FROM findings")[0]["n"] == 3);

  // Campaign: a and c share the wallet; b does not.
  auto view = build_fleet_view(*fleet, nlohmann::json::object(), 0);
  REQUIRE(view.campaigns.size() == 1);
  CHECK(view.campaigns[0].hosts == std::vector<std::string>{"web-a", "web-c"});
  CHECK(view.campaigns[0].links.at(0).value == kWallet);

  // Another case under a merged host's name: refused, nothing merged.
  Scratch other;
  auto impostor = host_bundle(other, "web-a", "something else", kWallet);
  CHECK_THROWS_WITH(merge_bundles(*fleet, {impostor}),
                    doctest::Contains("already in the fleet case with another case"));
  CHECK(fleet->query("SELECT COUNT(*) AS n FROM hosts")[0]["n"] == 3);

  // One flipped byte in a host's stored copy: evidence verify names the item.
  auto row =
      fleet->query("SELECT stored_path FROM evidence WHERE case_id=(SELECT case_id FROM hosts WHERE name='web-a')")
          .at(0);
  auto p = fleet->dir() / row["stored_path"].get<std::string>();
  fs::permissions(p, fs::perms::owner_write, fs::perm_options::add);
  {
    std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
    char ch = 0;
    f.seekg(0);
    f.get(ch);
    f.seekp(0);
    f.put(static_cast<char>(ch ^ 1));
  }
  auto bad = verify_case_integrity(*fleet);
  CHECK_FALSE(bad.intact());
  bool named = false;
  for (auto& pr : bad.problems) named |= pr.host == "web-a" && pr.target == "evidence";
  CHECK(named);
}

TEST_CASE("a bundle whose member does not match its manifest is refused and leaves nothing behind") {
  Scratch s;
  auto a = host_bundle(s, "web-a", "evidence of a", kWallet);
  // Same bundle with one byte of the compressed stream changed: either the archive or a hash breaks.
  std::string bytes;
  {
    std::ifstream in(a, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes[bytes.size() / 2] ^= 0x20;
  auto broken = s.path / "broken.tar.zst";
  std::ofstream(broken, std::ios::binary) << bytes;
  auto into = s.path / "staging";
  CHECK_THROWS_WITH(read_bundle(broken, into), doctest::Contains("bundle"));
  CHECK_FALSE(fs::exists(into));
}
