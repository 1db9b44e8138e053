// Jenkins with security off (anyone may run a job, i.e. a shell) or anonymous read.
#include "core/text.h"
#include "hunt/entry_services.h"

namespace unmine {

std::vector<Finding> check_jenkins(HuntContext& ctx) {
  std::vector<Finding> out;
  for (auto* path : {"/var/lib/jenkins/config.xml", "/var/jenkins_home/config.xml", "/opt/jenkins/config.xml"}) {
    auto t = ctx.host.read(path, 8 << 20);
    if (!t) continue;
    const auto& x = t->data;
    std::string why;
    Severity sev = Severity::info;
    if (x.find("<useSecurity>false</useSecurity>") != std::string::npos) {
      sev = Severity::critical;
      why = "security is off (useSecurity false): anyone reaching it can run jobs";
    } else if (x.find("AuthorizationStrategy$Unsecured") != std::string::npos) {
      sev = Severity::critical;
      why = "authorization is Unsecured: anyone reaching it can run jobs";
    } else if (x.find("<denyAnonymousReadAccess>false</denyAnonymousReadAccess>") != std::string::npos) {
      sev = Severity::medium;
      why = "anonymous users may read jobs and build logs";
    } else {
      continue;
    }
    auto f = make_finding(Group::entry_vector, "exposed.service", sev, std::string("Jenkins ") + why + ": " + path,
                          std::string("jenkins:") + path);
    f.path = path;
    f.evidence = {{"service", "jenkins"}, {"reason", why}};
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
