#include "evidence/container_evidence.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>

#include "core/error.h"
#include "core/text.h"

namespace unmine {
namespace {

std::optional<nlohmann::json> parse_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string str_at(const nlohmann::json& j, const nlohmann::json::json_pointer& p) {
  if (!j.contains(p)) return {};
  auto& v = j.at(p);
  return v.is_string() ? v.get<std::string>() : std::string();
}

// mountinfo escapes spaces, tabs, newlines and backslashes in paths as \ooo.
std::string unescape_octal(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3') {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> parse_overlay_upperdir(std::string_view mountinfo) {
  for (auto line : lines(mountinfo)) {
    // id parent major:minor root mountpoint options [optional...] - fstype source superoptions
    std::vector<std::string_view> f;
    size_t i = 0;
    while (i < line.size()) {
      size_t j = line.find(' ', i);
      if (j == std::string_view::npos) j = line.size();
      f.push_back(line.substr(i, j - i));
      i = j + 1;
    }
    size_t dash = 0;
    for (size_t k = 6; k < f.size(); ++k)
      if (f[k] == "-") {
        dash = k;
        break;
      }
    if (dash == 0 || dash + 3 >= f.size() || f[4] != "/" || f[dash + 1] != "overlay") continue;
    std::string_view opts = f[dash + 3];
    for (size_t p = 0; p < opts.size();) {
      size_t comma = opts.find(',', p);
      if (comma == std::string_view::npos) comma = opts.size();
      auto opt = opts.substr(p, comma - p);
      if (opt.starts_with("upperdir=")) return unescape_octal(opt.substr(9));
      p = comma + 1;
    }
  }
  return std::nullopt;
}

std::optional<ImageRef> parse_docker_container_config(std::string_view text) {
  auto j = parse_json(text);
  if (!j || !j->is_object()) return std::nullopt;
  ImageRef r;
  r.image = str_at(*j, "/Config/Image"_json_pointer);
  r.image_id = str_at(*j, "/Image"_json_pointer);
  if (r.image.empty() && r.image_id.empty()) return std::nullopt;
  return r;
}

std::vector<std::string> parse_docker_repo_digests(std::string_view text, std::string_view image_id) {
  std::vector<std::string> out;
  auto j = parse_json(text);
  if (!j || !j->contains("Repositories") || !(*j)["Repositories"].is_object()) return out;
  for (auto& [repo, refs] : (*j)["Repositories"].items()) {
    if (!refs.is_object()) continue;
    for (auto& [ref, id] : refs.items())
      if (ref.find('@') != std::string::npos && id.is_string() && id.get<std::string>() == image_id) out.push_back(ref);
  }
  return out;
}

std::optional<ImageRef> parse_storage_containers(std::string_view containers_json, std::string_view id) {
  auto j = parse_json(containers_json);
  if (!j || !j->is_array()) return std::nullopt;
  for (auto& c : *j) {
    if (!c.is_object() || c.value("id", "") != id) continue;
    ImageRef r;
    r.image_id = c.value("image", "");
    if (c.contains("metadata") && c["metadata"].is_string()) {
      // podman keeps {"image-name": ...} as a JSON string inside the record
      if (auto m = parse_json(c["metadata"].get<std::string>()); m && m->is_object())
        r.image = m->value("image-name", "");
    }
    return r;
  }
  return std::nullopt;
}

void fill_from_storage_images(std::string_view images_json, ImageRef& ref) {
  auto j = parse_json(images_json);
  if (!j || !j->is_array()) return;
  for (auto& img : *j) {
    if (!img.is_object() || img.value("id", "") != ref.image_id) continue;
    auto digest = img.value("digest", "");
    std::string name;
    if (img.contains("names") && img["names"].is_array() && !img["names"].empty() && img["names"][0].is_string())
      name = img["names"][0].get<std::string>();
    if (ref.image.empty()) ref.image = name;
    if (!digest.empty()) {
      auto base = name.substr(
          0, name.rfind(':') == std::string::npos || name.rfind(':') < name.rfind('/') ? name.size() : name.rfind(':'));
      ref.image_digest = base.empty() ? digest : base + "@" + digest;
    }
  }
}

std::optional<ImageRef> parse_oci_annotations(std::string_view config_json) {
  auto j = parse_json(config_json);
  if (!j || !j->contains("annotations") || !(*j)["annotations"].is_object()) return std::nullopt;
  auto& a = (*j)["annotations"];
  ImageRef r;
  for (const char* k :
       {"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName", "org.opencontainers.image.ref.name"})
    if (r.image.empty() && a.contains(k) && a[k].is_string()) r.image = a[k].get<std::string>();
  for (const char* k : {"io.kubernetes.cri-o.ImageRef", "io.kubernetes.cri.image-ref"})
    if (r.image_id.empty() && a.contains(k) && a[k].is_string()) r.image_id = a[k].get<std::string>();
  if (r.image.empty() && r.image_id.empty()) return std::nullopt;
  return r;
}

size_t write_tree_tar(const HostRoot& host, const std::string& dir, int fd, std::vector<std::string>& notes) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
    std::string err = archive_error_string(a);
    archive_write_free(a);
    throw RuntimeError("layer archive: " + err, "evidence");
  }
  size_t entries = 0;
  std::vector<char> buf(1 << 20);
  std::function<void(const std::string&, const std::string&, int)> walk = [&](const std::string& abs,
                                                                              const std::string& rel, int depth) {
    if (depth > 64) {
      notes.push_back(printable(abs) + ": deeper than 64 folders, not descended");
      return;
    }
    for (auto& e : host.list(abs)) {
      std::string path = abs + "/" + e.name;
      std::string name = rel.empty() ? e.name : rel + "/" + e.name;
      auto st = host.lstat(path);
      if (!st) continue;
      struct archive_entry* ae = archive_entry_new();
      archive_entry_copy_pathname(ae, name.c_str());
      archive_entry_copy_stat(ae, &*st);
      UniqueFd in;
      if (S_ISLNK(st->st_mode)) {
        archive_entry_copy_symlink(ae, host.readlink(path).value_or("").c_str());
      } else if (S_ISREG(st->st_mode)) {
        in = host.open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
        if (!in) {
          notes.push_back(printable(path) + ": unreadable, recorded without data");
          archive_entry_set_size(ae, 0);
        }
      } else {
        archive_entry_set_size(ae, 0);  // FIFOs, devices, sockets: the entry only, never opened
      }
      if (archive_write_header(a, ae) != ARCHIVE_OK) notes.push_back(printable(path) + ": " + archive_error_string(a));
      archive_entry_free(ae);
      ++entries;
      if (in) {
        uint64_t left = static_cast<uint64_t>(st->st_size);
        while (left > 0) {
          auto n = ::read(in.get(), buf.data(), std::min<uint64_t>(buf.size(), left));
          if (n < 0 && errno == EINTR) continue;
          if (n <= 0) break;  // shrank: finish_entry pads
          archive_write_data(a, buf.data(), static_cast<size_t>(n));
          left -= static_cast<uint64_t>(n);
        }
        archive_write_finish_entry(a);
      }
      if (S_ISDIR(st->st_mode)) walk(path, name, depth + 1);
    }
  };
  walk(dir, "", 0);
  archive_write_close(a);
  archive_write_free(a);
  return entries;
}

ContainerEvidence preserve_container(EvidenceStore& es, const HostRoot& host, const ContainerRef& ref,
                                     std::string_view mountinfo, std::optional<int> pid) {
  ContainerEvidence ce;
  ImageRef image;
  image.image = ref.image;
  nlohmann::json files = nlohmann::json::array();
  auto keep = [&](const std::string& path) {
    auto item = es.preserve_file(host, path, "container_meta", pid);
    ce.items.push_back(item);
    if (item.stored()) files.push_back(path);
    return item.stored();
  };
  auto text = [&](const std::string& path) -> std::string {
    auto c = host.read(path);
    return c ? c->data : std::string();
  };

  // docker
  std::string docker = "/var/lib/docker/containers/" + ref.id;
  if (host.exists(docker + "/config.v2.json")) {
    if (auto r = parse_docker_container_config(text(docker + "/config.v2.json"))) {
      if (!r->image.empty()) image.image = r->image;
      image.image_id = r->image_id;
    }
    keep(docker + "/config.v2.json");
    if (host.exists(docker + "/hostconfig.json")) keep(docker + "/hostconfig.json");
    for (auto& e : host.list("/var/lib/docker/image")) {
      std::string repos = "/var/lib/docker/image/" + e.name + "/repositories.json";
      auto digests = parse_docker_repo_digests(text(repos), image.image_id);
      if (!digests.empty()) image.image_digest = digests.front();
      if (!image.image_id.empty() && image.image_id.starts_with("sha256:")) {
        std::string cfg = "/var/lib/docker/image/" + e.name + "/imagedb/content/sha256/" + image.image_id.substr(7);
        if (host.exists(cfg)) keep(cfg);
      }
    }
  }
  // podman and cri-o (containers/storage)
  for (const char* storage : {"/var/lib/containers/storage"}) {
    std::string containers = std::string(storage) + "/overlay-containers/containers.json";
    if (auto r = parse_storage_containers(text(containers), ref.id)) {
      if (!r->image.empty()) image.image = r->image;
      if (!r->image_id.empty()) image.image_id = r->image_id;
      fill_from_storage_images(text(std::string(storage) + "/overlay-images/images.json"), image);
      std::string userdata = std::string(storage) + "/overlay-containers/" + ref.id + "/userdata/config.json";
      if (host.exists(userdata)) {
        if (auto o = parse_oci_annotations(text(userdata)); o && image.image.empty()) image.image = o->image;
        keep(userdata);
      }
    }
  }
  // containerd (CRI): the task bundle's OCI config
  for (const char* tasks :
       {"/run/containerd/io.containerd.runtime.v2.task", "/var/run/containerd/io.containerd.runtime.v2.task"}) {
    for (auto& ns : host.list(tasks)) {
      std::string cfg = std::string(tasks) + "/" + ns.name + "/" + ref.id + "/config.json";
      if (!host.exists(cfg)) continue;
      if (auto o = parse_oci_annotations(text(cfg))) {
        if (!o->image.empty()) image.image = o->image;
        if (!o->image_id.empty()) image.image_id = o->image_id;
      }
      keep(cfg);
    }
  }

  ce.meta = {{"runtime", ref.runtime},
             {"id", ref.id},
             {"image", image.image.empty() ? nlohmann::json(nullptr) : nlohmann::json(printable(image.image))},
             {"image_id", image.image_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(printable(image.image_id))},
             {"image_digest",
              image.image_digest.empty() ? nlohmann::json(nullptr) : nlohmann::json(printable(image.image_digest))},
             {"metadata_files", files}};
  if (image.image.empty() && image.image_id.empty())
    ce.notes.push_back("container " + ref.id + ": no runtime metadata found under the root");

  // The writable layer: everything the attacker changed inside the container.
  if (auto upper = parse_overlay_upperdir(mountinfo)) {
    ce.meta["upperdir"] = printable(*upper);
    auto st = host.stat(*upper);
    if (!st || !S_ISDIR(st->st_mode)) {
      ce.notes.push_back("writable layer " + printable(*upper) + ": not found under the root");
    } else {
      auto tmp = es.scratch_file();
      size_t entries = write_tree_tar(host, *upper, tmp.get(), ce.notes);
      ::lseek(tmp.get(), 0, SEEK_SET);
      ItemSource src{"container_layer", *upper, pid, std::nullopt,
                     "tar of the container's writable layer (" + std::to_string(entries) + " entries)"};
      ce.items.push_back(es.preserve_fd(tmp.get(), src));
    }
  }
  return ce;
}

}  // namespace unmine
