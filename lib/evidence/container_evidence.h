#pragma once
// A containerised miner: the container's id, image and image digest from the runtime's metadata under
// the root (docker, podman/cri-o storage, containerd's OCI bundles), those metadata files themselves, and
// the container's writable layer (overlay upperdir from /proc/PID/mountinfo) as one tar item.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "evidence/evidence_store.h"
#include "host/process.h"

namespace unmine {

// --- pure parsers ---------------------------------------------------------------------------------------

// upperdir= of the overlay mounted at "/" in a mountinfo text (the container's writable layer).
std::optional<std::string> parse_overlay_upperdir(std::string_view mountinfo);

struct ImageRef {
  std::string image;         // name as the container was started ("nginx:latest")
  std::string image_id;      // "sha256:..." (docker image id / podman image id)
  std::string image_digest;  // repository digest "name@sha256:..." when the runtime recorded one
};

// docker: containers/ID/config.v2.json (Config.Image, Image).
std::optional<ImageRef> parse_docker_container_config(std::string_view json_text);
// docker: image/<driver>/repositories.json, the repo digests ("name@sha256:...") pointing at image_id.
std::vector<std::string> parse_docker_repo_digests(std::string_view json_text, std::string_view image_id);
// podman/cri-o: storage/overlay-containers/containers.json (id, image) and overlay-images/images.json
// (id, digest, names).
std::optional<ImageRef> parse_storage_containers(std::string_view containers_json, std::string_view id);
void fill_from_storage_images(std::string_view images_json, ImageRef& ref);
// OCI runtime config.json of a containerd or cri-o bundle: the image name/ref in its CRI annotations.
std::optional<ImageRef> parse_oci_annotations(std::string_view config_json);

// --- reading and preserving -----------------------------------------------------------------------------

struct ContainerEvidence {
  nlohmann::json meta;  // runtime, id, image, image_id, image_digest, upperdir, metadata_files
  std::vector<EvidenceItem> items;
  std::vector<std::string> notes;
};

ContainerEvidence preserve_container(EvidenceStore& es, const HostRoot& host, const ContainerRef& ref,
                                     std::string_view mountinfo, std::optional<int> pid);

// Writes a tar (pax, uncompressed: the run's archive compresses it) of a folder under the root to fd,
// symlinks stored as links and never followed, FIFOs/devices as entries without data.
// Returns the number of entries; notes what could not be read.
size_t write_tree_tar(const HostRoot& host, const std::string& dir, int fd, std::vector<std::string>& notes);

}  // namespace unmine
