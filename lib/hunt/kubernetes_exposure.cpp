// The kubelet (10250) and the Kubernetes API answering anonymous requests: exec into any pod.
#include <charconv>

#include "core/text.h"
#include "hunt/entry_services.h"

namespace unmine {
namespace {

Finding kube_finding(Severity sev, const std::string& what, const std::string& path, const std::string& setting) {
  auto f =
      make_finding(Group::entry_vector, "exposed.service", sev, what + ": " + path, "kube:" + path + '\0' + setting);
  f.path = path;
  f.evidence = {{"service", "kubernetes"}, {"setting", printable(setting)}};
  return f;
}

}  // namespace

std::vector<Finding> check_kubernetes(HuntContext& ctx) {
  std::vector<Finding> out;
  for (auto* path :
       {"/var/lib/kubelet/config.yaml", "/etc/kubernetes/kubelet-config.yaml", "/etc/kubernetes/kubelet/config.yaml"}) {
    auto t = ctx.host.read(path, 4 << 20);
    if (!t) continue;
    auto anon = yaml_value(t->data, "authentication.anonymous.enabled");
    auto mode = yaml_value(t->data, "authorization.mode");
    bool anonymous = anon && to_lower(*anon) == "true";
    bool always_allow = mode && *mode == "AlwaysAllow";
    if (anonymous && always_allow)
      out.push_back(kube_finding(Severity::critical,
                                 "kubelet (10250) accepts anonymous requests and authorizes everything", path,
                                 "authentication.anonymous.enabled: true, authorization.mode: AlwaysAllow"));
    else if (anonymous)
      out.push_back(kube_finding(Severity::medium, "kubelet (10250) accepts anonymous requests", path,
                                 "authentication.anonymous.enabled: true"));
    else if (always_allow)
      out.push_back(kube_finding(Severity::high, "kubelet authorizes every authenticated request", path,
                                 "authorization.mode: AlwaysAllow"));
  }
  std::vector<std::string> flag_files = {"/etc/kubernetes/manifests/kube-apiserver.yaml", "/etc/default/kubelet",
                                         "/etc/sysconfig/kubelet"};
  for (auto& e : ctx.host.list("/etc/systemd/system/kubelet.service.d"))
    flag_files.push_back("/etc/systemd/system/kubelet.service.d/" + e.name);
  for (auto& path : flag_files) {
    auto t = ctx.host.read(path, 4 << 20);
    if (!t) continue;
    const auto& x = t->data;
    bool api = path.find("kube-apiserver") != std::string::npos;
    if (x.find("--authorization-mode=AlwaysAllow") != std::string::npos)
      out.push_back(kube_finding(Severity::critical,
                                 std::string(api ? "Kubernetes API" : "kubelet") + " authorizes every request", path,
                                 "--authorization-mode=AlwaysAllow"));
    if (x.find("--anonymous-auth=true") != std::string::npos)
      out.push_back(kube_finding(api ? Severity::low : Severity::medium,
                                 std::string(api ? "Kubernetes API" : "kubelet") + " accepts anonymous requests", path,
                                 "--anonymous-auth=true"));
    auto p = x.find("--insecure-port=");
    int port = 0;
    if (p != std::string::npos) std::from_chars(x.data() + p + 16, x.data() + x.size(), port);
    if (port > 0)
      out.push_back(kube_finding(Severity::critical, "Kubernetes API serves an unauthenticated insecure port", path,
                                 "--insecure-port"));
  }
  return out;
}

}  // namespace unmine
