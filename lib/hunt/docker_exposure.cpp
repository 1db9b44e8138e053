// The Docker API reachable from the network (tcp:// hosts without TLS verification, 2375/2376
// listening) or a docker.sock anyone may write to: either gives root on the host to whoever reaches it.
#include "core/text.h"
#include "host/process.h"
#include "hunt/config_directives.h"
#include "hunt/entry_services.h"

namespace unmine {
namespace {

bool loopback_host(std::string_view url) {
  auto rest = url.substr(url.find("://") == std::string_view::npos ? 0 : url.find("://") + 3);
  return rest.starts_with("127.") || rest.starts_with("localhost") || rest.starts_with("[::1]");
}

std::vector<std::string> shell_words(std::string_view s) {
  std::vector<std::string> out;
  std::string cur;
  char quote = 0;
  for (char c : s) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        cur += c;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(std::move(cur)), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

Finding host_finding(const std::string& host, bool tls, const std::string& source, std::optional<int> line) {
  bool loop = loopback_host(host);
  auto sev = loop ? Severity::low : (tls ? Severity::medium : Severity::critical);
  auto f =
      make_finding(Group::entry_vector, "exposed.service", sev,
                   "Docker API on " + printable(host) + (tls ? " (TLS verified)" : " without TLS client verification") +
                       " (" + printable(source) + ")",
                   "docker:" + source + '\0' + host);
  f.path = printable(source);
  f.line = line;
  f.evidence = {{"service", "docker"}, {"host", printable(host)}, {"tlsverify", tls}, {"loopback", loop}};
  return f;
}

}  // namespace

std::vector<std::string> docker_hosts_from_json(std::string_view text, bool* tls) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  if (tls) *tls = j.value("tlsverify", false) == true;
  if (auto h = j.find("hosts"); h != j.end() && h->is_array())
    for (auto& v : *h)
      if (v.is_string() && v.get<std::string>().starts_with("tcp://")) out.push_back(v.get<std::string>());
  return out;
}

std::vector<std::string> docker_hosts_from_args(std::string_view command_line, bool* tls) {
  std::vector<std::string> out;
  auto w = shell_words(command_line);
  for (size_t i = 0; i < w.size(); ++i) {
    std::string v;
    if ((w[i] == "-H" || w[i] == "--host") && i + 1 < w.size())
      v = w[++i];
    else if (w[i].starts_with("-H=") || w[i].starts_with("--host="))
      v = w[i].substr(w[i].find('=') + 1);
    else if (w[i].starts_with("-Htcp://"))
      v = w[i].substr(2);
    if (tls && (w[i] == "--tlsverify" || w[i] == "--tlsverify=true")) *tls = true;
    if (v.starts_with("tcp://")) out.push_back(v);
  }
  return out;
}

std::vector<Finding> check_docker_api(HuntContext& ctx) {
  std::vector<Finding> out;
  auto& host = ctx.host;
  if (auto j = host.read("/etc/docker/daemon.json", 1 << 20)) {
    bool tls = false;
    for (auto& h : docker_hosts_from_json(j->data, &tls))
      out.push_back(host_finding(h, tls, "/etc/docker/daemon.json", std::nullopt));
  }
  std::vector<std::string> unit_files = {"/lib/systemd/system/docker.service", "/usr/lib/systemd/system/docker.service",
                                         "/etc/systemd/system/docker.service", "/etc/default/docker",
                                         "/etc/sysconfig/docker"};
  for (auto& e : host.list("/etc/systemd/system/docker.service.d"))
    unit_files.push_back("/etc/systemd/system/docker.service.d/" + e.name);
  for (auto& path : unit_files) {
    auto t = host.read(path, 1 << 20);
    if (!t) continue;
    int n = 0;
    for (auto line : lines(t->data)) {
      ++n;
      auto s = trim(line);
      if (!(s.starts_with("ExecStart=") || s.starts_with("DOCKER_OPTS=") || s.starts_with("OPTIONS="))) continue;
      bool tls = false;
      auto value = s.substr(s.find('=') + 1);
      for (auto& h : docker_hosts_from_args(value, &tls)) out.push_back(host_finding(h, tls, path, n));
    }
  }
  if (host.proc_is_live()) {
    ProcReader procs(host);
    for (auto& p : procs.all())
      if (p.comm == "dockerd") {
        std::string cmd;
        for (auto& a : p.cmdline) cmd += (cmd.empty() ? "" : " ") + a;
        bool tls = false;
        for (auto& h : docker_hosts_from_args(cmd, &tls)) {
          auto f = host_finding(h, tls, "dockerd command line", std::nullopt);
          f.pid = p.pid;
          out.push_back(std::move(f));
        }
      }
  }
  for (auto& s : ctx.listening) {
    if (s.local_port != 2375 && s.local_port != 2376) continue;
    if (s.local_addr.starts_with("127.") || s.local_addr == "::1") continue;
    auto f = make_finding(
        Group::entry_vector, "exposed.service", s.local_port == 2375 ? Severity::critical : Severity::medium,
        "Docker API port " + std::to_string(s.local_port) + " listening on " + printable(s.local_addr),
        "docker-listen:" + std::to_string(s.local_port));
    f.evidence = {
        {"service", "docker"}, {"address", printable(s.local_addr)}, {"port", s.local_port}, {"pids", s.pids}};
    out.push_back(std::move(f));
  }
  for (auto* sock : {"/run/docker.sock", "/var/run/docker.sock"}) {
    auto st = host.lstat(sock);
    if (!st || !S_ISSOCK(st->st_mode) || !(st->st_mode & S_IWOTH)) continue;
    auto f = make_finding(
        Group::entry_vector, "exposed.service", Severity::high,
        std::string("docker.sock is world-writable: any local user or container that sees it is root: ") + sock,
        std::string("docker-sock:") + sock);
    f.path = sock;
    f.evidence = {{"service", "docker"}, {"mode", st->st_mode & 07777}};
    out.push_back(std::move(f));
    break;
  }
  return out;
}

}  // namespace unmine
