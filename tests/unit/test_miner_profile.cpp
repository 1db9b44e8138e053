#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/hashing.h"
#include "detect/miner_profile.h"

using namespace unmine;

namespace {
const Indicators& ind() {
  static auto i = Indicators::of(Playbook::load());
  return *i;
}
const std::string kRoot = std::string(UNMINE_FIXTURES) + "/hosts/identify_xmrig";
const std::string kXmr =
    "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";

const Finding* find_kind(const std::vector<Finding>& fs, std::string_view kind) {
  for (auto& f : fs)
    if (f.kind == kind) return &f;
  return nullptr;
}
}  // namespace

TEST_CASE("a renamed XMRig in a container, with a config beside it") {
  HostRoot host({kRoot, {}, {}});
  MinerProfiler profiler(host, ind());
  std::vector<Finding> findings;
  auto m = profiler.profile_pid(4242, &findings);
  REQUIRE(m);
  CHECK(m->family == "kinsing");  // the campaign's name wins over the XMRig inside
  CHECK(m->family_source == "name");
  CHECK(m->version == "6.16.4");
  CHECK(m->user_agent == "XMRig/6.16.4 (Linux x86_64) libuv/1.41.0 gcc/9.3.0");
  auto binary = host.read("/tmp/.x/kdevtmpfsi");
  REQUIRE(binary);
  CHECK(m->exe_sha256 == sha256_hex(binary->data));
  CHECK(m->config_path == "/tmp/.x/config.json");
  CHECK(m->config_valid == true);
  REQUIRE(m->pools.size() == 2);
  CHECK(m->pools[0].host == "pool.supportxmr.com");
  CHECK(m->pools[0].port == 443);
  CHECK(m->pools[0].tls);  // from the scheme, though the object says false
  CHECK(m->pools[0].source == "config");
  CHECK(m->pools[1].tls);
  REQUIRE(m->wallets.size() == 1);
  CHECK(m->wallets[0].address == kXmr);
  CHECK(m->wallets[0].coin == "monero");
  CHECK(m->wallets[0].checksum_valid);
  CHECK(m->worker == "box7");
  CHECK(m->algorithm == "rx/0");
  CHECK(m->coin == "monero");
  REQUIRE(m->ancestry.size() == 1);
  CHECK(m->ancestry[0].pid == 1);
  CHECK(m->ancestry[0].exe == "/usr/lib/systemd/systemd");
  REQUIRE(m->proc.container);
  CHECK(m->proc.container->runtime == "docker");
  CHECK(m->proc.container->image == "evil/miner:latest");

  auto cfg = find_kind(findings, "process.config");
  REQUIRE(cfg);
  CHECK(cfg->severity == Severity::high);
  CHECK(cfg->evidence["valid_json"] == true);
  auto bin = find_kind(findings, "file.miner_binary");
  REQUIRE(bin);
  CHECK(bin->pid == 4242);

  auto j = m->to_json();
  CHECK(j["family"] == "kinsing");
  CHECK(j["container"]["image"] == "evil/miner:latest");
  CHECK(j["wallets"][0]["checksum_valid"] == true);
  CHECK(j["pools"][0]["tls"] == true);
  auto indicators = m->indicators();
  CHECK(indicators.wallets.contains(kXmr));
  CHECK(indicators.domains.contains("pool.supportxmr.com"));
  CHECK(!profiler.profile_pid(999999));
}

TEST_CASE("identify --file: binary, broken config, dropper script") {
  HostRoot host({kRoot, {}, {}});
  MinerProfiler profiler(host, ind());
  std::vector<Finding> findings;

  auto bin = profiler.profile_file("/tmp/.x/kdevtmpfsi", &findings);
  CHECK(bin.type == FileType::binary);
  CHECK(bin.info.family == "kinsing");
  CHECK(bin.info.version == "6.16.4");
  CHECK(bin.info.exe_sha256.size() == 64);

  auto broken = profiler.profile_file("/srv/broken.json", &findings);
  CHECK(broken.type == FileType::config);
  CHECK(broken.info.config_valid == false);
  REQUIRE(broken.info.pools.size() == 1);
  CHECK(broken.info.pools[0].host == "10.1.2.3");
  CHECK(broken.info.pools[0].tls);
  REQUIRE(broken.info.wallets.size() == 1);
  CHECK(broken.info.wallets[0].checksum_valid);

  auto script = profiler.profile_file("/srv/dropper.sh", &findings);
  CHECK(script.type == FileType::script);
  CHECK(script.info.family == "xmrig");
  REQUIRE(script.info.pools.size() == 1);
  CHECK(script.info.pools[0].host == "gulf.moneroocean.stream");
  CHECK(script.info.pools[0].port == 10128);
  CHECK(script.info.worker == "web01");
  CHECK(script.info.algorithm == "rx/0");
  REQUIRE(script.info.wallets.size() == 1);
  CHECK(script.info.wallets[0].address == kXmr);

  REQUIRE(findings.size() == 3);
  CHECK(findings[0].kind == "file.miner_binary");
  CHECK(findings[1].kind == "file.miner_config");
  CHECK(findings[1].evidence["valid_json"] == false);
  CHECK(findings[1].evidence.contains("parse_error"));
  CHECK(findings[2].kind == "file.miner_script");
  auto j = broken.to_json();
  CHECK(j["type"] == "config");
  CHECK(j["config_valid"] == false);

  CHECK_THROWS_AS(profiler.profile_file("/no/such/file", &findings), RuntimeError);
  CHECK_THROWS_AS(profiler.profile_file("/srv", &findings), RuntimeError);
}

TEST_CASE("container images from runtime metadata") {
  HostRoot host({kRoot, {}, {}});
  CHECK(container_image(host, {"docker", std::string(64, 'a'), {}}) == "evil/miner:latest");
  CHECK(container_image(host, {"docker", std::string(64, 'b'), {}}).empty());
  CHECK(container_image(host, {"docker", "../../etc", {}}).empty());
}

TEST_CASE("identify --file: XMRig by its content under any name, packed builds named as packed") {
  HostRoot host({std::string(UNMINE_FIXTURES) + "/hosts/depth_candidates", {}, {}});
  MinerProfiler profiler(host, ind());
  std::vector<Finding> findings;
  auto worker = profiler.profile_file("/opt/tools/worker", &findings);
  CHECK(worker.info.family == "xmrig");
  CHECK(worker.info.family_source == "content");
  CHECK(worker.info.version == "6.26.0");
  // XMRig's own donation pool is named apart, never one of the incident's pools.
  CHECK(worker.info.pools.empty());
  REQUIRE(worker.info.donation_pools.size() == 1);
  CHECK(worker.info.donation_pools[0].host == "donate.ssl.xmrig.com");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "file.miner_binary");
  CHECK(findings[0].severity == Severity::high);
  CHECK(findings[0].summary.find("xmrig 6.26.0") != std::string::npos);

  auto dir = std::filesystem::temp_directory_path() / ("unmine-packed-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream(dir / "svc", std::ios::binary) << std::string(
        "\x7f"
        "ELF\2\1\1\0\0\0UPX!\x0d\x0c compressed bytes",
        30);
  }
  HostRoot tmp({dir.string(), {}, {}});
  findings.clear();
  auto packed = profile_file(tmp, ind(), "/svc", &findings);
  CHECK(packed.info.packed == "upx");
  CHECK(packed.info.family == "unknown");
  CHECK(packed.to_json()["packed"] == "upx");
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].kind == "file.packed");
  CHECK(findings[0].severity == Severity::low);  // packers serve honest programs too
  std::filesystem::remove_all(dir);
}

TEST_CASE("the algorithm from XMRig's coin table when the config names a coin and no algorithm") {
  HostRoot host({std::string(UNMINE_FIXTURES) + "/hosts/depth_candidates", {}, {}});
  MinerProfiler profiler(host, ind());
  std::vector<Finding> findings;
  auto m = profiler.profile_pid(100, &findings);
  REQUIRE(m);
  // The container's config.json is read in its own root (proc/100/root), not the host's /app.
  CHECK(m->config_path == "/app/config.json");
  CHECK(m->family == "xmrig");
  CHECK(m->coin == "monero");
  CHECK(m->algorithm == "rx/0");
  REQUIRE(m->pools.size() == 1);
  CHECK(m->pools[0].port == 443);
  CHECK(m->proc.container);
}
