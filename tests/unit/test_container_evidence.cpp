#include <doctest/doctest.h>

#include "evidence/container_evidence.h"
#include "evidence/process_evidence.h"

using namespace unmine;

TEST_CASE("the writable layer is the upperdir of the overlay mounted at /") {
  struct Row {
    const char* mountinfo;
    std::optional<std::string> upper;
  };
  const Row rows[] = {
      {"1375 1290 0:120 / / rw,relatime master:601 - overlay overlay "
       "rw,lowerdir=/var/lib/docker/overlay2/l/A:/var/lib/docker/overlay2/l/B,"
       "upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/var/lib/docker/overlay2/abc/work\n"
       "1376 1375 0:123 / /proc rw,nosuid - proc proc rw\n",
       "/var/lib/docker/overlay2/abc/diff"},
      // no optional fields; a space in the path escaped as \040
      {"20 1 0:40 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/var/lib/my\\040layer/diff,workdir=/w\n",
       "/var/lib/my layer/diff"},
      // an overlay elsewhere is not the container's root
      {"30 1 0:50 / /mnt rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w\n22 1 8:1 / / rw - ext4 /dev/sda1 "
       "rw\n",
       std::nullopt},
      {"garbage\n\n- - -\n", std::nullopt},
      {"", std::nullopt},
  };
  for (auto& r : rows) {
    CAPTURE(r.mountinfo);
    CHECK(parse_overlay_upperdir(r.mountinfo) == r.upper);
  }
}

TEST_CASE("docker metadata names the image, its id and its repository digest") {
  auto ref = parse_docker_container_config(
      R"({"ID":"c1","Image":"sha256:1111","Config":{"Image":"alpine:3.19","Cmd":["sh"]},"State":{"Running":true}})");
  REQUIRE(ref);
  CHECK(ref->image == "alpine:3.19");
  CHECK(ref->image_id == "sha256:1111");
  CHECK_FALSE(parse_docker_container_config("{not json"));
  CHECK_FALSE(parse_docker_container_config("[]"));
  CHECK_FALSE(parse_docker_container_config(R"({"Config":{}})"));

  const char* repos = R"({"Repositories":{"alpine":{"alpine:3.19":"sha256:1111",
      "alpine@sha256:2222":"sha256:1111","alpine@sha256:3333":"sha256:9999"},"bad":7}})";
  CHECK(parse_docker_repo_digests(repos, "sha256:1111") == std::vector<std::string>{"alpine@sha256:2222"});
  CHECK(parse_docker_repo_digests(repos, "sha256:0000").empty());
  CHECK(parse_docker_repo_digests("{", "x").empty());
}

TEST_CASE("podman and cri-o storage name the image and its digest") {
  const char* containers = R"([{"id":"other","image":"x"},
      {"id":"c2","image":"img1","metadata":"{\"image-name\":\"docker.io/library/busybox:latest\"}"}])";
  auto ref = parse_storage_containers(containers, "c2");
  REQUIRE(ref);
  CHECK(ref->image_id == "img1");
  CHECK(ref->image == "docker.io/library/busybox:latest");
  fill_from_storage_images(R"([{"id":"img1","digest":"sha256:4444","names":["docker.io/library/busybox:latest"]}])",
                           *ref);
  CHECK(ref->image_digest == "docker.io/library/busybox@sha256:4444");
  CHECK_FALSE(parse_storage_containers(containers, "none"));
  CHECK_FALSE(parse_storage_containers("{}", "c2"));
}

TEST_CASE("an OCI bundle's CRI annotations name the image") {
  auto ref = parse_oci_annotations(
      R"({"ociVersion":"1.0.2","annotations":{"io.kubernetes.cri.image-name":"docker.io/x/miner:1",
      "io.kubernetes.cri-o.ImageRef":"sha256:5555"}})");
  REQUIRE(ref);
  CHECK(ref->image == "docker.io/x/miner:1");
  CHECK(ref->image_id == "sha256:5555");
  CHECK_FALSE(parse_oci_annotations(R"({"annotations":{}})"));
  CHECK_FALSE(parse_oci_annotations(R"({"annotations":"x"})"));
}

TEST_CASE("config files named on a miner's command line") {
  struct Row {
    std::vector<std::string> argv;
    std::vector<std::string> configs;
  };
  const Row rows[] = {
      {{"./xmrig", "-c", "config.json"}, {"config.json"}},
      {{"./xmrig", "--config=/etc/x.json", "--config", "b.json"}, {"/etc/x.json", "b.json"}},
      {{"./xmrig", "-c"}, {}},  // a dangling option names nothing
      {{"-c", "argv0-is-not-an-option"}, {}},
      {{"./xmrig", "-o", "pool:3333"}, {}},
  };
  for (auto& r : rows) CHECK(config_paths_in_cmdline(r.argv) == r.configs);
}
