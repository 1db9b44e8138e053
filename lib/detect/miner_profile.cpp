#include "detect/miner_profile.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cctype>
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

namespace unmine {
namespace {

constexpr size_t kImageMax = 64 * 1024 * 1024;  // strings are searched in this much of a binary
constexpr size_t kConfigMax = 4 * 1024 * 1024;
constexpr size_t kEnvironMax = 1024 * 1024;
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
  nlohmann::json out = {{"path", printable(path)}, {"type", to_string(type)}, {"size", size},
                        {"sha256", info.exe_sha256}, {"truncated", truncated}};
  for (auto key : {"family", "family_source", "version", "user_agent", "algorithm", "coin", "worker", "wallets",
                   "pools", "config_valid"})
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

  const SocketScan& socket_scan(std::vector<std::string>& notes) {
    if (!sockets) {
      SocketQuery q;
      q.listening = false;  // a miner's pool connection has a peer
      q.time_wait = false;
      sockets = SocketReader(host).scan(q);
      for (auto& a : sockets->anomalies) notes.push_back("sockets: " + a);
    }
    return *sockets;
  }

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
  if (image) agent = ind.find_user_agent(image->data);

  auto args = parse_miner_args(proc.cmdline, ind);

  // Environment: droppers hand the wallet and pool to the miner there.
  std::optional<std::string> env_login;
  std::vector<WalletMatch> env_wallets;
  std::vector<PoolRef> env_pools;
  for (auto& kv : m.proc.environ) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    auto key = kv.substr(0, eq), value = kv.substr(eq + 1);
    bool wallet_key = std::find(ind.wallet_env_keys().begin(), ind.wallet_env_keys().end(), key) != ind.wallet_env_keys().end();
    bool pool_key = std::find(ind.pool_env_keys().begin(), ind.pool_env_keys().end(), key) != ind.pool_env_keys().end();
    for (auto& w : find_wallets(value))
      if (wallet_key || w.checksum_valid) add_wallet(env_wallets, std::move(w));
    if (wallet_key && !env_login) env_login = value;
    if (pool_key) {
      if (auto u = parse_pool_url(value, ind)) add_pool(env_pools, PoolRef{value, u->host, u->port, u->tls, u->user, "environ"});
    } else {
      for (auto& u : find_pool_urls(value, ind)) add_pool(env_pools, PoolRef{u.url, u.host, u.port, u.tls, u.user, "environ"});
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
        auto fi = make_finding(Group::miner, "process.config", Severity::low,
                               "pid " + std::to_string(proc.pid) + " names config " + printable(path) +
                                   ", which is gone or unreadable",
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
      fi.evidence = {{"config", printable(path)}, {"valid_json", c.valid_json}, {"pools", pool_urls_json(c.pools)},
                     {"wallets", wallets_json(c.wallets)}, {"explicit", explicit_path}};
      if (!c.valid_json) fi.evidence["parse_error"] = printable(c.parse_error);
      findings->push_back(std::move(fi));
    }
    config = std::move(c);
    break;
  }

  if (family) m.family = family->name, m.family_source = family_source;
  if (agent) {
    m.user_agent = agent->agent;
    if (!agent->version.empty()) m.version = agent->version;
  }

  // Pools: command line, then environment, then config; logins given apart fill the pools without one.
  for (auto& p : args.pools) add_pool(m.pools, p);
  for (auto& p : env_pools) add_pool(m.pools, p);
  if (config)
    for (auto& p : config->pools) add_pool(m.pools, p);
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

  m.algorithm = args.algorithm;
  if (!m.algorithm && config) m.algorithm = config->algorithm;
  m.coin = args.coin;
  if (!m.coin && config) m.coin = config->coin;
  m.worker = args.rig_id;
  if (!m.worker && config) m.worker = config->rig_id;
  for (auto& p : m.pools)
    if (!m.worker) m.worker = worker_of_login(p.user, m.wallets);

  // Connections: this process's sockets with a peer.
  std::set<uint64_t> inodes;
  for (auto& fd : impl_->reader.fds(proc.pid))
    if (auto inode = socket_inode_of(fd.target)) inodes.insert(inode);
  if (!inodes.empty())
    for (auto& s : impl_->socket_scan(notes_).sockets)
      if (inodes.contains(s.inode) && s.remote_port != 0) m.connections.push_back(s);
  if (m.pools.empty())
    for (auto& s : m.connections)
      if (s.proto == "tcp" && ind.is_stratum_port(s.remote_port))
        add_pool(m.pools, PoolRef{"", s.remote_addr, s.remote_port, false, "", "connection"});

  std::set<int> seen{proc.pid};
  for (int ppid = proc.ppid; ppid > 0 && m.ancestry.size() < kAncestryMax && seen.insert(ppid).second;) {
    auto parent = impl_->reader.read(ppid);
    m.ancestry.push_back({ppid, parent ? parent->exe : std::string()});
    if (!parent || ppid == 1) break;
    ppid = parent->ppid;
  }

  if (agent && findings) {
    auto fi = make_finding(Group::miner, "file.miner_binary", Severity::high,
                           "pid " + std::to_string(proc.pid) + " runs " + agent->family->name +
                               (agent->version.empty() ? "" : " " + printable(agent->version)) +
                               ": its image carries the user agent " + printable(agent->agent),
                           m.exe_sha256.empty() ? proc.exe : m.exe_sha256);
    fi.pid = proc.pid;
    fi.path = printable(proc.exe);
    fi.evidence = {{"user_agent", printable(agent->agent)}, {"sha256", m.exe_sha256}, {"family", agent->family->name},
                   {"exe_deleted", proc.exe_deleted}};
    findings->push_back(std::move(fi));
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
  if (data.starts_with("\x7f" "ELF")) fp.type = FileType::binary;
  else if ((first != std::string::npos && (data[first] == '{' || data[first] == '[')) || path.ends_with(".json"))
    fp.type = FileType::config;
  else fp.type = FileType::script;

  const MinerFamily* family = nullptr;
  auto consider = [&](const MinerFamily* f, const char* source) {
    if (f && !family) family = f, m.family_source = source;
  };
  consider(ind.family_for_name(base_name(path)), "name");
  consider(ind.family_for_drop_path(path), "drop_path");
  auto agent = ind.find_user_agent(data);
  consider(agent ? agent->family : nullptr, "user_agent");
  if (agent) {
    m.user_agent = agent->agent;
    if (!agent->version.empty()) m.version = agent->version;
  }

  std::optional<std::string> parse_error;
  if (fp.type == FileType::binary) {
    m.proc.exe = path;
    // A binary's bytes are mostly not text: only wallets whose checksum holds count.
    for (auto& u : find_pool_urls(data, ind)) add_pool(m.pools, PoolRef{u.url, u.host, u.port, u.tls, u.user, "binary"});
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

  if (findings && (family || !m.pools.empty() || any_valid_wallet(m.wallets))) {
    static constexpr std::string_view kKinds[] = {"file.miner_binary", "file.miner_config", "file.miner_script"};
    auto kind = std::string(kKinds[static_cast<int>(fp.type)]);
    std::string summary = printable(path) + ": " + std::string(to_string(fp.type));
    if (family) summary += " of " + family->name + (m.version ? " " + printable(*m.version) : "");
    if (!m.pools.empty()) summary += ", pools " + printable(join_names(m.pools));
    if (parse_error) summary += " (not valid JSON, mined as text)";
    bool strong = family || any_valid_wallet(m.wallets) ||
                  std::any_of(m.pools.begin(), m.pools.end(), [&](auto& p) { return ind.is_pool_domain(p.host) || ind.is_stratum_port(p.port); });
    auto fi = make_finding(Group::miner, kind, strong ? Severity::high : Severity::medium, summary,
                           path + "\n" + m.exe_sha256);
    fi.path = printable(path);
    fi.evidence = {{"sha256", m.exe_sha256}, {"type", to_string(fp.type)}, {"family", m.family},
                   {"pools", pool_urls_json(m.pools)}, {"wallets", wallets_json(m.wallets)}};
    if (m.user_agent) fi.evidence["user_agent"] = printable(*m.user_agent);
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
