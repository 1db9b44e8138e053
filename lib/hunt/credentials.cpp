#include "hunt/credentials.h"

#include <fcntl.h>

#include <set>

#include "case/case_store.h"
#include "core/hashing.h"
#include "core/text.h"
#include "host/passwd.h"

namespace unmine {
namespace {

struct CredentialSpec {
  const char* rel;   // relative to a home folder, or absolute
  const char* what;  // aws | gcloud | azure | docker | kubernetes | git | netrc
};

constexpr CredentialSpec kHomeFiles[] = {
    {".aws/credentials", "aws"},
    {".aws/config", "aws"},
    {".config/gcloud/credentials.db", "gcloud"},
    {".config/gcloud/access_tokens.db", "gcloud"},
    {".config/gcloud/application_default_credentials.json", "gcloud"},
    {".azure/accessTokens.json", "azure"},
    {".azure/msal_token_cache.json", "azure"},
    {".azure/msal_token_cache.bin", "azure"},
    {".azure/service_principal_entries.json", "azure"},
    {".docker/config.json", "docker"},
    {".kube/config", "kubernetes"},
    {".git-credentials", "git"},
    {".config/git/credentials", "git"},
    {".netrc", "netrc"},
};

constexpr CredentialSpec kSystemFiles[] = {
    {"/etc/kubernetes/admin.conf", "kubernetes"},
    {"/etc/kubernetes/super-admin.conf", "kubernetes"},
    {"/etc/kubernetes/kubelet.conf", "kubernetes"},
    {"/etc/rancher/k3s/k3s.yaml", "kubernetes"},
};

}  // namespace

AtimeTrust atime_trust(std::string_view options) {
  AtimeTrust t;
  auto has = [&](std::string_view o) {
    size_t i = 0;
    while (i <= options.size()) {
      auto j = options.find(',', i);
      if (j == std::string_view::npos) j = options.size();
      if (options.substr(i, j - i) == o) return true;
      i = j + 1;
    }
    return false;
  };
  if (has("noatime")) {
    t.mode = "noatime";
    t.caveat = "the mount is noatime: access times are never updated, reads cannot be seen";
  } else if (has("relatime")) {
    t.mode = "relatime";
    t.usable = true;
    t.caveat =
        "the mount is relatime: a read updates the access time only when it was older than the last change or "
        "than 24 hours, so a second read within a day is not seen";
  } else if (has("strictatime")) {
    t.mode = "strictatime";
    t.usable = true;
  } else if (options.empty()) {
    t.mode = "unknown";
    t.caveat = "the mount's options are unknown";
  } else {
    // The kernel shows relatime unless strictatime or noatime is set; lazytime still records reads.
    t.mode = "strictatime";
    t.usable = true;
  }
  return t;
}

bool looks_like_private_key(std::string_view head) {
  return head.starts_with("-----BEGIN ") && head.find("PRIVATE KEY-----") != std::string_view::npos;
}

bool docker_config_has_auths(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return false;
  auto a = j.find("auths");
  if (a == j.end() || !a->is_object()) return false;
  for (auto& [registry, v] : a->items())
    if (v.is_object() && (v.contains("auth") || v.contains("identitytoken") || v.contains("password"))) return true;
  return false;
}

std::vector<Finding> check_credentials(HuntContext& ctx) {
  std::vector<Finding> out;
  std::vector<MountRow> mounts;
  // Access-time behaviour belongs to the filesystem the files are read from: this machine's mounts.
  if (auto mi = read_fd(UniqueFd(::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)).get(), 8 << 20))
    mounts = parse_mountinfo(mi->data, nullptr);

  std::set<std::string> homes = {"/root"};
  for (auto& u : read_passwd(ctx.host))
    if (!u.home.empty() && u.home != "/" && u.home.front() == '/') homes.insert(u.home);
  for (auto& e : ctx.host.list("/home")) homes.insert("/home/" + e.name);

  std::vector<std::pair<std::string, std::string>> candidates;  // path, what
  for (auto& h : homes) {
    for (auto& spec : kHomeFiles) candidates.emplace_back(h + "/" + spec.rel, spec.what);
    for (auto& e : ctx.host.list(h + "/.ssh"))
      if (!e.name.ends_with(".pub") && e.name != "known_hosts" && e.name != "authorized_keys" && e.name != "config" &&
          !e.name.starts_with("known_hosts"))
        candidates.emplace_back(h + "/.ssh/" + e.name, "ssh_private_key");
    for (auto& e : ctx.host.list(h + "/.config/gcloud/legacy_credentials"))
      candidates.emplace_back(h + "/.config/gcloud/legacy_credentials/" + e.name + "/adc.json", "gcloud");
  }
  for (auto& spec : kSystemFiles) candidates.emplace_back(spec.rel, spec.what);

  for (auto& [path, what] : candidates) {
    auto st = ctx.host.lstat(path);
    if (!st || !S_ISREG(st->st_mode)) continue;
    // Times first: reading the file below must not be what the access time shows.
    auto fd = ctx.host.open(path, O_RDONLY | O_NONBLOCK | O_NOATIME);
    if (!fd) fd = ctx.host.open(path, O_RDONLY | O_NONBLOCK);
    if (!fd) continue;
    auto content = read_fd(fd.get(), 16 << 20);
    if (!content) continue;
    if (what == "ssh_private_key" && !looks_like_private_key(std::string_view(content->data).substr(0, 256))) continue;
    bool inline_auth = what != "docker" || docker_config_has_auths(content->data);
    if (what == "docker" && !inline_auth) continue;
    auto* mount = mount_of(mounts, ctx.host.host_path(path));
    auto trust = atime_trust(mount ? mount->options : "");
    int64_t atime = st->st_atime, mtime = st->st_mtime;
    bool read_in_window = trust.usable && ctx.window.contains(atime) && atime > mtime + 1;
    auto sev = read_in_window ? Severity::high : Severity::info;
    auto f = make_finding(
        Group::entry_vector, "credential.exposed", sev,
        what + " credential " + printable(path) + (read_in_window ? " was read in the compromise window" : ""),
        "cred:" + path);
    f.path = printable(path);
    f.evidence = {{"type", what},
                  {"sha256", sha256_hex(content->data)},
                  {"size", content->data.size()},
                  {"mode", st->st_mode & 07777},
                  {"uid", st->st_uid},
                  {"atime", iso8601(atime)},
                  {"mtime", iso8601(mtime)},
                  {"ctime", iso8601(st->st_ctime)},
                  {"read_in_window", read_in_window},
                  {"atime_mode", trust.mode}};
    if (!trust.caveat.empty()) f.evidence["atime_caveat"] = trust.caveat;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
