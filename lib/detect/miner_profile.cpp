#include "detect/miner_profile.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "core/error.h"
#include "core/hashing.h"
#include "core/text.h"
#include "detect/miner_args.h"
#include "detect/miner_config.h"
#include "detect/pool_url.h"
#include "host/passwd.h"
#include "host/process_memory.h"

namespace unmine {
namespace {

constexpr size_t kImageMax = 64u << 20;  // strings are searched in this much of a binary
constexpr size_t kConfigMax = 4u << 20;
constexpr size_t kEnvironMax = 1u << 20;
constexpr size_t kAncestryMax = 64;

// A path as the process means it: relative ones are relative to its cwd.
std::string in_cwd(const std::string& cwd, const std::string& path) {
  if (path.starts_with('/')) return path;
  auto p = path.starts_with("./") ? path.substr(2) : path;
  return (cwd.empty() || cwd == "/" ? std::string("/") : cwd + "/") + p;
}

struct Image {
  std::string data;  // up to kImageMax
  std::string sha256;
  uint64_t size = 0;
  bool truncated = false;
};

// Reads and hashes an open file: the strings come from the first kImageMax bytes, the hash from all of it.
std::optional<Image> read_image(int fd) {
  auto content = read_fd(fd, kImageMax);
  if (!content) return std::nullopt;
  Image img;
  img.truncated = content->truncated;
  img.data = std::move(content->data);
  if (!img.truncated) {
    img.sha256 = sha256_hex(img.data);
    img.size = img.data.size();
  } else if (::lseek(fd, 0, SEEK_SET) == 0) {
    if (auto d = hash_fd(fd)) {
      img.sha256 = d->sha256;
      img.size = d->size;
    }
  }
  return img;
}

void add_wallet(std::vector<WalletMatch>& out, WalletMatch w) {
  for (auto& o : out)
    if (o.address == w.address) return;
  w.offset = 0;  // offsets are per scanned text, meaningless in a merged list
  out.push_back(std::move(w));
}

// The same pool seen twice (a URL in free text and in an option) is one pool: logins and TLS merge.
void add_pool(std::vector<PoolRef>& out, PoolRef p) {
  for (auto& o : out)
    if (o.host == p.host && o.port == p.port && (o.user == p.user || p.user.empty() || o.user.empty())) {
      o.tls = o.tls || p.tls;
      if (o.user.empty()) o.user = p.user;
      return;
    }
  out.push_back(std::move(p));
}

// $NAME and ${NAME} in a script's words, from its own NAME=value lines (droppers set WALLET=... first).
std::string expand_vars(const std::string& word, const std::map<std::string, std::string>& vars) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] != '$' || i + 1 >= word.size()) {
      out += word[i];
      continue;
    }
    bool braced = word[i + 1] == '{';
    size_t start = i + (braced ? 2 : 1), end = start;
    while (end < word.size() && (std::isalnum(static_cast<unsigned char>(word[end])) || word[end] == '_')) ++end;
    auto it = vars.find(word.substr(start, end - start));
    if (end == start || it == vars.end() || (braced && (end >= word.size() || word[end] != '}'))) {
      out += word[i];
      continue;
    }
    out += it->second;
    i = braced ? end : end - 1;
  }
  return out;
}

// "WALLET.worker+diff" -> "worker" when the login starts with a wallet.
std::optional<std::string> worker_of_login(const std::string& login, const std::vector<WalletMatch>& wallets) {
  for (auto& w : wallets) {
    if (!login.starts_with(w.address) || login.size() <= w.address.size()) continue;
    char sep = login[w.address.size()];
    if (sep != '.' && sep != '/' && sep != ':') continue;
    auto rest = login.substr(w.address.size() + 1);
    rest = rest.substr(0, rest.find('+'));
    if (!rest.empty()) return rest;
  }
  return std::nullopt;
}

std::string join_names(const std::vector<PoolRef>& pools) {
  std::string out;
  for (auto& p : pools) out += (out.empty() ? "" : ", ") + p.host + ":" + std::to_string(p.port);
  return out;
}

nlohmann::json pool_urls_json(const std::vector<PoolRef>& pools) {
  auto a = nlohmann::json::array();
  for (auto& p : pools) a.push_back(printable(p.url.empty() ? p.host + ":" + std::to_string(p.port) : p.url));
  return a;
}

nlohmann::json wallets_json(const std::vector<WalletMatch>& wallets) {
  auto a = nlohmann::json::array();
  for (auto& w : wallets) a.push_back({{"address", w.address}, {"coin", w.coin}, {"checksum_valid", w.checksum_valid}});
  return a;
}

bool any_valid_wallet(const std::vector<WalletMatch>& wallets) {
  return std::any_of(wallets.begin(), wallets.end(), [](auto& w) { return w.checksum_valid; });
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : std::string(sep)) + i;
  return out;
}

// The version a user agent gives, else the one after the banner.
void set_version(MinerInfo& m, const std::optional<UserAgentHit>& agent, const std::optional<ContentHit>& content) {
  if (agent && !m.user_agent) m.user_agent = agent->agent;
  if (m.version) return;
  if (agent && !agent->version.empty())
    m.version = agent->version;
  else if (content && !content->version.empty())
    m.version = content->version;
}

// What XMRig mines when no algorithm is named: its coin table, else the algorithm the wallet's coin takes.
std::optional<std::string> implied_algorithm(const MinerFamily* family, const std::optional<std::string>& coin,
                                             const std::vector<WalletMatch>& wallets) {
  if (!family) return std::nullopt;
  if (coin) {
    auto it = family->coin_algorithms.find(to_lower(*coin));
    return it == family->coin_algorithms.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  for (auto& w : wallets)
    if (w.checksum_valid)
      if (auto it = family->wallet_algorithms.find(w.coin); it != family->wallet_algorithms.end()) return it->second;
  return std::nullopt;
}

// A family's own fee pool is named apart: it is XMRig's, not the incident's.
void split_donation_pools(MinerInfo& m, const Indicators& ind) {
  auto donation = [&](const PoolRef& p) { return ind.is_donation_host(p.host); };
  for (auto& p : m.pools)
    if (donation(p)) m.donation_pools.push_back(p);
  std::erase_if(m.pools, donation);
}

struct MemoryFacts {
  std::optional<UserAgentHit> agent;
  std::optional<ContentHit> content;
  std::vector<PoolRef> pools;
  std::vector<WalletMatch> wallets;
};

std::optional<MemoryFacts> memory_facts(const HostRoot& host, const Indicators& ind, const Process& proc,
                                        std::vector<std::string>& notes) {
  auto strings = read_memory_strings(host, proc.pid, static_cast<uint64_t>(proc.exe_ino));
  if (!strings) {
    if (host.proc_is_live()) notes.push_back("memory of pid " + std::to_string(proc.pid) + " could not be read");
    return std::nullopt;
  }
  if (strings->truncated)
    notes.push_back("memory of pid " + std::to_string(proc.pid) + " was read up to its limits (" +
                    std::to_string(strings->bytes_read >> 20) + " MiB)");
  MemoryFacts f;
  f.agent = ind.find_user_agent(strings->text);
  f.content = ind.find_family_by_content(strings->text);
  for (auto& u : find_pool_urls(strings->text, ind))
    add_pool(f.pools, PoolRef{u.url, u.host, u.port, u.tls, u.user, "memory"});
  for (auto& w : find_wallets(strings->text))
    if (w.checksum_valid) add_wallet(f.wallets, std::move(w));
  return f;
}

}  // namespace

std::string_view to_string(FileType t) {
  switch (t) {
    case FileType::binary: return "binary";
    case FileType::config: return "config";
    case FileType::script: return "script";
  }
  return "script";
}

nlohmann::json FileProfile::to_json() const {
  auto j = info.to_json();
  nlohmann::json out = {{"path", printable(path)},
                        {"type", to_string(type)},
                        {"size", size},
                        {"sha256", info.exe_sha256},
                        {"truncated", truncated}};
  for (auto key : {"family", "family_source", "version", "user_agent", "algorithm", "coin", "worker", "wallets",
                   "pools", "donation_pools", "packed", "config_valid"})
    if (j.contains(key)) out[key] = j[key];
  return out;
}

std::string container_image(const HostRoot& host, const ContainerRef& c) {
  if (c.id.empty() || c.id.find('/') != std::string::npos) return {};
  auto parse = [&](const std::string& path) -> nlohmann::json {
    auto f = host.read(path, kConfigMax);
    if (!f) return nullptr;
    return nlohmann::json::parse(f->data, nullptr, false);
  };
  // Docker: the container's own record names the image it was created from.
  auto docker = parse("/var/lib/docker/containers/" + c.id + "/config.v2.json");
  if (docker.is_object()) {
    if (auto it = docker.find("Config"); it != docker.end() && it->is_object() && it->value("Image", "") != "")
      return it->value("Image", "");
    if (docker.value("Image", "") != "") return docker.value("Image", "");
  }
  // containerd (Kubernetes CRI) and CRI-O write the image name into the OCI bundle's annotations.
  for (auto& ns : host.list("/run/containerd/io.containerd.runtime.v2.task")) {
    auto bundle = parse("/run/containerd/io.containerd.runtime.v2.task/" + ns.name + "/" + c.id + "/config.json");
    if (bundle.is_object() && bundle.contains("annotations") && bundle["annotations"].is_object()) {
      auto& a = bundle["annotations"];
      if (a.value("io.kubernetes.cri.image-name", "") != "") return a.value("io.kubernetes.cri.image-name", "");
    }
  }
  auto crio = parse("/var/lib/containers/storage/overlay-containers/" + c.id + "/userdata/config.json");
  if (crio.is_object() && crio.contains("annotations") && crio["annotations"].is_object()) {
    auto& a = crio["annotations"];
    if (a.value("io.kubernetes.cri-o.ImageName", "") != "") return a.value("io.kubernetes.cri-o.ImageName", "");
  }
  // Podman: containers.json lists every container with its metadata (a JSON string holding image-name).
  auto podman = parse("/var/lib/containers/storage/overlay-containers/containers.json");
  if (podman.is_array())
    for (auto& e : podman) {
      if (!e.is_object() || e.value("id", "") != c.id) continue;
      auto meta = nlohmann::json::parse(e.value("metadata", ""), nullptr, false);
      if (meta.is_object() && meta.value("image-name", "") != "") return meta.value("image-name", "");
      return e.value("image", "");
    }
  return {};
}

struct MinerProfiler::Impl {
  const HostRoot& host;
  const Indicators& ind;
  ProcReader reader;
  std::optional<SocketScan> sockets;
  std::optional<std::vector<PasswdEntry>> users;

  Impl(const HostRoot& h, const Indicators& i) : host(h), ind(i), reader(h) {}

  // The sockets with a peer among `inodes` (one process's): from the scan given, else read for them alone,
  // so a host with a million connections costs no more than its miner's.
  std::vector<SocketEntry> connections_of(const std::set<uint64_t>& inodes, std::vector<std::string>& notes) {
    auto wanted = [&](const SocketEntry& s) { return inodes.contains(s.inode) && s.remote_port != 0; };
    std::vector<SocketEntry> out;
    if (sockets) {
      for (auto& s : sockets->sockets)
        if (wanted(s)) out.push_back(s);
      return out;
    }
    SocketQuery q;
    q.listening = false;  // a miner's pool connection has a peer
    q.time_wait = false;
    q.keep = wanted;
    auto scan = SocketReader(host).scan(q);
    if (!scan.complete()) sockets_complete = false;
    for (auto& a : scan.anomalies)
      if (std::find(notes.begin(), notes.end(), "sockets: " + a) == notes.end()) notes.push_back("sockets: " + a);
    return std::move(scan.sockets);
  }
  bool sockets_complete = true;

  std::string home_of(const Process& p) {
    for (auto& kv : p.environ)
      if (kv.starts_with("HOME=")) return kv.substr(5);
    if (!users) users = read_passwd(host);
    for (auto& u : *users)
      if (u.uid == p.uid) return u.home;
    return {};
  }
};

MinerProfiler::MinerProfiler(const HostRoot& host, const Indicators& indicators)
    : impl_(std::make_unique<Impl>(host, indicators)) {}
MinerProfiler::~MinerProfiler() = default;

void MinerProfiler::use_sockets(SocketScan scan) { impl_->sockets = std::move(scan); }

bool MinerProfiler::complete() const { return impl_->sockets_complete; }

std::optional<MinerInfo> MinerProfiler::profile_pid(int pid, std::vector<Finding>* findings) {
  auto p = impl_->reader.read(pid, kProcEnviron | kProcCgroup);
  if (!p) return std::nullopt;
  return profile(*p, findings);
}

MinerInfo MinerProfiler::profile(const Process& proc, std::vector<Finding>* findings) {
  auto& host = impl_->host;
  auto& ind = impl_->ind;
  const std::string dir = std::to_string(proc.pid) + "/";
  MinerInfo m;
  m.proc = proc;
  if (m.proc.environ.empty())
    if (auto env = host.read_proc(dir + "environ", kEnvironMax)) m.proc.environ = split_nul(env->data);
  if (m.proc.cgroup.empty())
    if (auto cg = host.read_proc(dir + "cgroup", 65536)) {
      m.proc.cgroup = cg->data;
      m.proc.container = parse_cgroup_container(cg->data);
    }
  if (m.proc.container && m.proc.container->image.empty())
    m.proc.container->image = container_image(host, *m.proc.container);

  // The running image: through /proc/PID/exe it is readable even deleted or in a memfd.
  std::optional<Image> image;
  if (auto fd = host.open_proc(dir + "exe", O_RDONLY)) image = read_image(fd.get());
  if (!image && !proc.exe.empty() && !proc.exe_deleted && !proc.exe_memfd)
    if (auto fd = host.open(proc.exe, O_RDONLY | O_NONBLOCK)) image = read_image(fd.get());
  if (image) m.exe_sha256 = image->sha256;
  std::optional<UserAgentHit> agent;
  std::optional<ContentHit> content;
  if (image) {
    agent = ind.find_user_agent(image->data);
    content = ind.find_family_by_content(image->data);
    m.packed = ind.packer_of(image->data);
  }
  // A packed image, or one that cannot be read from disk and says nothing, shows what it is only once
  // unpacked in memory: its strings are read there (bounded), with the pools and wallets built at run time.
  std::optional<MemoryFacts> memory;
  if (m.packed || !image || ((proc.exe_deleted || proc.exe_memfd) && !agent && !content))
    memory = memory_facts(host, ind, proc, notes_);

  auto args = parse_miner_args(proc.cmdline, ind);

  // Environment: droppers hand the wallet and pool to the miner there.
  std::optional<std::string> env_login;
  std::vector<WalletMatch> env_wallets;
  std::vector<PoolRef> env_pools;
  for (auto& kv : m.proc.environ) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    auto key = kv.substr(0, eq), value = kv.substr(eq + 1);
    bool wallet_key =
        std::find(ind.wallet_env_keys().begin(), ind.wallet_env_keys().end(), key) != ind.wallet_env_keys().end();
    bool pool_key = std::find(ind.pool_env_keys().begin(), ind.pool_env_keys().end(), key) != ind.pool_env_keys().end();
    for (auto& w : find_wallets(value))
      if (wallet_key || w.checksum_valid) add_wallet(env_wallets, std::move(w));
    if (wallet_key && !env_login) env_login = value;
    if (pool_key) {
      if (auto u = parse_pool_url(value, ind))
        add_pool(env_pools, PoolRef{value, u->host, u->port, u->tls, u->user, "environ"});
    } else {
      for (auto& u : find_pool_urls(value, ind))
        add_pool(env_pools, PoolRef{u.url, u.host, u.port, u.tls, u.user, "environ"});
    }
  }

  // Family: the name first (campaigns' renamed builds belong to the campaign), then what the binary says.
  const MinerFamily* family = nullptr;
  std::string family_source;
  auto consider = [&](const MinerFamily* f, const char* source) {
    if (f && !family) family = f, family_source = source;
  };
  auto exe_name = base_name(proc.exe);
  if (proc.exe_memfd && exe_name.starts_with("memfd:")) exe_name = exe_name.substr(6);
  consider(ind.family_for_name(exe_name), "name");
  if (!proc.cmdline.empty()) consider(ind.family_for_name(base_name(proc.cmdline[0])), "name");
  consider(ind.family_for_name(proc.comm), "name");
  consider(ind.family_for_drop_path(proc.exe), "drop_path");
  consider(agent ? agent->family : nullptr, "user_agent");
  consider(content ? content->family : nullptr, "content");
  if (memory) {
    consider(memory->agent ? memory->agent->family : nullptr, "memory");
    consider(memory->content ? memory->content->family : nullptr, "memory");
  }
  consider(args.flag_family, "flag");

  // Config: the one named on the command line, else where XMRig looks by default.
  std::vector<std::pair<std::string, bool>> candidates;  // path, named explicitly
  if (args.config_path) {
    candidates.emplace_back(in_cwd(proc.cwd, *args.config_path), true);
  } else if (!family || family->name == "xmrig" || family->name == "kinsing") {
    if (!proc.exe.empty() && !proc.exe_memfd) candidates.emplace_back(dir_name(proc.exe) + "/config.json", false);
    if (!proc.cwd.empty()) candidates.emplace_back(in_cwd(proc.cwd, "config.json"), false);
    if (auto home = impl_->home_of(m.proc); !home.empty()) {
      candidates.emplace_back(home + "/.xmrig.json", false);
      candidates.emplace_back(home + "/.config/xmrig.json", false);
    }
  }
  std::optional<MinerConfig> config;
  for (auto& [path, explicit_path] : candidates) {
    auto f = host.read_as_process(proc.pid, path, kConfigMax);
    if (!f) {
      if (explicit_path && findings) {
        auto fi = make_finding(
            Group::miner, "process.config", Severity::low,
            "pid " + std::to_string(proc.pid) + " names config " + printable(path) + ", which is gone or unreadable",
            proc.exe + "\n" + path);
        fi.pid = proc.pid;
        fi.path = printable(path);
        fi.evidence = {{"config", printable(path)}, {"readable", false}};
        findings->push_back(std::move(fi));
      }
      continue;
    }
    auto c = parse_miner_config(f->data, ind);
    // A default location holds some other program's config.json unless it looks like a miner's.
    if (!explicit_path && c.pools.empty() && c.wallets.empty() && !ind.family_for_config_keys(c.top_keys)) continue;
    m.config_path = path;
    m.config_valid = c.valid_json;
    consider(ind.family_for_config_keys(c.top_keys), "config");
    if (findings) {
      bool strong = !c.pools.empty() || any_valid_wallet(c.wallets);
      std::string summary = "pid " + std::to_string(proc.pid) + " config " + printable(path);
      summary += c.valid_json ? ": " : " is not valid JSON (mined as text): ";
      summary += c.pools.empty() ? "no pool" : "pools " + printable(join_names(c.pools));
      auto fi = make_finding(Group::miner, "process.config", strong ? Severity::high : Severity::medium, summary,
                             proc.exe + "\n" + path);
      fi.pid = proc.pid;
      fi.path = printable(path);
      fi.evidence = {{"config", printable(path)},
                     {"valid_json", c.valid_json},
                     {"pools", pool_urls_json(c.pools)},
                     {"wallets", wallets_json(c.wallets)},
                     {"explicit", explicit_path}};
      if (!c.valid_json) fi.evidence["parse_error"] = printable(c.parse_error);
      findings->push_back(std::move(fi));
    }
    config = std::move(c);
    break;
  }

  if (family) m.family = family->name, m.family_source = family_source;
  set_version(m, agent, content);
  if (memory) set_version(m, memory->agent, memory->content);

  // Pools: command line, then environment, then config, then memory; logins given apart fill the pools
  // without one.
  for (auto& p : args.pools) add_pool(m.pools, p);
  for (auto& p : env_pools) add_pool(m.pools, p);
  if (config)
    for (auto& p : config->pools) add_pool(m.pools, p);
  if (memory)
    for (auto& p : memory->pools) add_pool(m.pools, p);
  for (auto& p : m.pools) {
    if (p.user.empty() && args.user_without_pool) p.user = *args.user_without_pool;
    if (p.user.empty() && env_login) p.user = *env_login;
  }

  for (auto& p : m.pools)
    for (auto& w : find_wallets(p.user)) add_wallet(m.wallets, std::move(w));
  for (auto& w : env_wallets) add_wallet(m.wallets, w);
  if (config)
    for (auto& w : config->wallets) add_wallet(m.wallets, w);
  for (size_t i = 1; i < proc.cmdline.size(); ++i)
    for (auto& w : find_wallets(proc.cmdline[i])) add_wallet(m.wallets, std::move(w));
  if (memory)
    for (auto& w : memory->wallets) add_wallet(m.wallets, w);

  m.algorithm = args.algorithm;
  if (!m.algorithm && config) m.algorithm = config->algorithm;
  m.coin = args.coin;
  if (!m.coin && config) m.coin = config->coin;
  if (!m.algorithm) m.algorithm = implied_algorithm(family, m.coin, m.wallets);
  m.worker = args.rig_id;
  if (!m.worker && config) m.worker = config->rig_id;
  for (auto& p : m.pools)
    if (!m.worker) m.worker = worker_of_login(p.user, m.wallets);

  // Connections: this process's sockets with a peer.
  std::set<uint64_t> inodes;
  for (auto& fd : impl_->reader.fds(proc.pid))
    if (auto inode = socket_inode_of(fd.target)) inodes.insert(inode);
  if (!inodes.empty()) m.connections = impl_->connections_of(inodes, notes_);
  if (m.pools.empty())
    for (auto& s : m.connections)
      if (s.proto == "tcp" && ind.is_stratum_port(s.remote_port))
        add_pool(m.pools, PoolRef{"", s.remote_addr, s.remote_port, false, "", "connection"});
  split_donation_pools(m, ind);

  std::set<int> seen{proc.pid};
  for (int ppid = proc.ppid; ppid > 0 && m.ancestry.size() < kAncestryMax && seen.insert(ppid).second;) {
    auto parent = impl_->reader.read(ppid);
    m.ancestry.push_back({ppid, parent ? parent->exe : std::string()});
    if (!parent || ppid == 1) break;
    ppid = parent->ppid;
  }

  if (findings) {
    // What the executable (or, packed, the memory) says it is: a miner whatever its name.
    const MinerFamily* by_content = agent ? agent->family : content ? content->family : nullptr;
    const char* where = "image";
    if (!by_content && memory) {
      by_content = memory->agent ? memory->agent->family : memory->content ? memory->content->family : nullptr;
      where = "memory";
    }
    if (by_content) {
      std::string what = agent           ? "the user agent " + printable(agent->agent)
                         : content       ? "the strings " + printable(join(content->matched, ", "))
                         : memory->agent ? "the user agent " + printable(memory->agent->agent)
                                         : "the strings " + printable(join(memory->content->matched, ", "));
      auto fi = make_finding(Group::miner, "file.miner_binary", Severity::high,
                             "pid " + std::to_string(proc.pid) + " runs " + by_content->name +
                                 (m.version ? " " + printable(*m.version) : "") + ": its " + where + " carries " + what,
                             m.exe_sha256.empty() ? proc.exe : m.exe_sha256);
      fi.pid = proc.pid;
      fi.path = printable(proc.exe);
      fi.evidence = {{"sha256", m.exe_sha256},
                     {"family", by_content->name},
                     {"exe_deleted", proc.exe_deleted},
                     {"read_from", where}};
      if (m.user_agent) fi.evidence["user_agent"] = printable(*m.user_agent);
      if (content || (memory && memory->content)) {
        auto& c = content ? *content : *memory->content;
        fi.evidence["strings"] = c.matched;
        for (auto& x : fi.evidence["strings"]) x = printable(x.get<std::string>());
      }
      if (m.packed) fi.evidence["packed"] = *m.packed;
      findings->push_back(std::move(fi));
    } else if (m.packed) {
      auto fi = make_finding(Group::miner, "file.packed", Severity::low,
                             "pid " + std::to_string(proc.pid) + " runs an executable packed with " + *m.packed +
                                 (memory ? "; its memory names no miner" : "; its memory could not be read"),
                             m.exe_sha256.empty() ? proc.exe : m.exe_sha256);
      fi.pid = proc.pid;
      fi.path = printable(proc.exe);
      fi.evidence = {{"sha256", m.exe_sha256}, {"packer", *m.packed}, {"memory_read", memory.has_value()}};
      findings->push_back(std::move(fi));
    }
  }
  return m;
}

FileProfile MinerProfiler::profile_file(const std::string& path, std::vector<Finding>* findings) {
  auto& host = impl_->host;
  auto& ind = impl_->ind;
  auto fd = host.open(path, O_RDONLY | O_NONBLOCK);
  if (!fd) throw RuntimeError(path + ": " + std::strerror(errno), "unreadable");
  auto image = read_image(fd.get());
  if (!image) throw RuntimeError(path + ": not a regular file", "unreadable");
  FileProfile fp;
  fp.path = path;
  fp.size = image->size;
  fp.truncated = image->truncated;
  auto& m = fp.info;
  m.exe_sha256 = image->sha256;
  const std::string& data = image->data;
  auto first = data.find_first_not_of(" \t\r\n");
  if (data.starts_with("\x7f"
                       "ELF"))
    fp.type = FileType::binary;
  else if ((first != std::string::npos && (data[first] == '{' || data[first] == '[')) || path.ends_with(".json"))
    fp.type = FileType::config;
  else
    fp.type = FileType::script;

  const MinerFamily* family = nullptr;
  auto consider = [&](const MinerFamily* f, const char* source) {
    if (f && !family) family = f, m.family_source = source;
  };
  consider(ind.family_for_name(base_name(path)), "name");
  consider(ind.family_for_drop_path(path), "drop_path");
  auto agent = ind.find_user_agent(data);
  consider(agent ? agent->family : nullptr, "user_agent");
  std::optional<ContentHit> content;
  if (fp.type == FileType::binary) {
    content = ind.find_family_by_content(data);
    m.packed = ind.packer_of(data);
  }
  consider(content ? content->family : nullptr, "content");
  set_version(m, agent, content);

  std::optional<std::string> parse_error;
  if (fp.type == FileType::binary) {
    m.proc.exe = path;
    // A binary's bytes are mostly not text: only wallets whose checksum holds count.
    for (auto& u : find_pool_urls(data, ind))
      add_pool(m.pools, PoolRef{u.url, u.host, u.port, u.tls, u.user, "binary"});
    for (auto& w : find_wallets(data))
      if (w.checksum_valid) add_wallet(m.wallets, std::move(w));
  } else {
    auto c = parse_miner_config(data, ind);
    if (fp.type == FileType::config) {
      m.config_path = path;
      m.config_valid = c.valid_json;
      if (!c.valid_json) parse_error = c.parse_error;
      consider(ind.family_for_config_keys(c.top_keys), "config");
    }
    m.algorithm = c.algorithm;
    m.coin = c.coin;
    m.worker = c.rig_id;
    for (auto& p : c.pools) add_pool(m.pools, p);
    for (auto& w : c.wallets) add_wallet(m.wallets, w);
    if (fp.type == FileType::script) {
      // Each line read as a command: miner invocations name the binary and carry its options.
      std::map<std::string, std::string> vars;
      for (auto line : lines(data)) {
        auto words = split_shell_words(line);
        if (words.empty()) continue;
        for (auto& w : words) w = expand_vars(w, vars);
        if (auto eq = words[0].find('='); eq != std::string::npos && eq > 0 && words.size() == 1)
          vars[words[0].substr(0, eq)] = words[0].substr(eq + 1);
        for (auto& w : words) consider(ind.family_for_name(base_name(w)), "script");
        auto a = parse_miner_args(words, ind);
        for (auto& p : a.pools) add_pool(m.pools, PoolRef{p.url, p.host, p.port, p.tls, p.user, "script"});
        if (!m.algorithm) m.algorithm = a.algorithm;
        if (!m.worker) m.worker = a.rig_id;
        consider(a.flag_family, "flag");
      }
      for (auto& p : m.pools)
        for (auto& w : find_wallets(p.user)) add_wallet(m.wallets, std::move(w));
    }
  }
  if (family) m.family = family->name;
  for (auto& p : m.pools)
    if (!m.worker) m.worker = worker_of_login(p.user, m.wallets);
  if (!m.algorithm) m.algorithm = implied_algorithm(family, m.coin, m.wallets);
  split_donation_pools(m, ind);

  if (findings && (family || !m.pools.empty() || any_valid_wallet(m.wallets) || m.packed)) {
    static constexpr std::string_view kKinds[] = {"file.miner_binary", "file.miner_config", "file.miner_script"};
    auto kind = std::string(kKinds[static_cast<int>(fp.type)]);
    std::string summary = printable(path) + ": " + std::string(to_string(fp.type));
    if (family) summary += " of " + family->name + (m.version ? " " + printable(*m.version) : "");
    if (m.packed)
      summary += std::string(family ? "," : "") + " packed with " + *m.packed +
                 (family ? "" : ": its strings show only when it runs");
    if (!m.pools.empty()) summary += ", pools " + printable(join_names(m.pools));
    if (parse_error) summary += " (not valid JSON, mined as text)";
    bool strong = family || any_valid_wallet(m.wallets) || std::any_of(m.pools.begin(), m.pools.end(), [&](auto& p) {
                    return ind.is_pool_domain(p.host) || ind.is_stratum_port(p.port);
                  });
    // Packed alone is not a miner: packers serve honest programs too.
    bool packed_only = m.packed && !family && m.pools.empty() && !any_valid_wallet(m.wallets);
    auto fi = make_finding(Group::miner, packed_only ? std::string("file.packed") : kind,
                           packed_only ? Severity::low
                           : strong    ? Severity::high
                                       : Severity::medium,
                           summary, path + "\n" + m.exe_sha256);
    fi.path = printable(path);
    fi.evidence = {{"sha256", m.exe_sha256},
                   {"type", to_string(fp.type)},
                   {"family", m.family},
                   {"pools", pool_urls_json(m.pools)},
                   {"wallets", wallets_json(m.wallets)}};
    if (m.user_agent) fi.evidence["user_agent"] = printable(*m.user_agent);
    if (content) {
      auto& strings = fi.evidence["strings"] = nlohmann::json::array();
      for (auto& x : content->matched) strings.push_back(printable(x));
    }
    if (m.packed) fi.evidence["packed"] = *m.packed;
    if (!m.donation_pools.empty()) fi.evidence["donation_pools"] = pool_urls_json(m.donation_pools);
    if (m.config_valid) fi.evidence["valid_json"] = *m.config_valid;
    if (parse_error) fi.evidence["parse_error"] = printable(*parse_error);
    findings->push_back(std::move(fi));
  }
  return fp;
}

MinerInfo profile_miner(const HostRoot& host, const Indicators& indicators, const Process& proc,
                        std::vector<Finding>* findings) {
  return MinerProfiler(host, indicators).profile(proc, findings);
}

FileProfile profile_file(const HostRoot& host, const Indicators& indicators, const std::string& path,
                         std::vector<Finding>* findings) {
  return MinerProfiler(host, indicators).profile_file(path, findings);
}

}  // namespace unmine
