#include "hunt/checks.h"

#include "hunt/cpu_accounting.h"
#include "hunt/credentials.h"
#include "hunt/entry_services.h"
#include "hunt/kernel_modules.h"
#include "hunt/ld_preload.h"
#include "hunt/proc_mounts.h"
#include "hunt/ssh_access.h"
#include "hunt/tampering.h"
#include "hunt/web_exploits.h"

namespace unmine {

const std::vector<HuntCheck>& hunt_checks() {
  static const std::vector<HuntCheck> checks = {
      {HuntStage::hiding, "ld.so.preload", check_ld_preload},
      {HuntStage::hiding, "proc bind mounts", check_proc_bind_mounts},
      {HuntStage::hiding, "kernel modules", check_kernel_modules},
      {HuntStage::hiding, "cpu accounting", check_cpu_accounting},
      {HuntStage::entry_vectors, "docker api", check_docker_api},
      {HuntStage::entry_vectors, "redis", check_redis},
      {HuntStage::entry_vectors, "jenkins", check_jenkins},
      {HuntStage::entry_vectors, "kubernetes", check_kubernetes},
      {HuntStage::entry_vectors, "ssh access", check_ssh_access},
      {HuntStage::entry_vectors, "web logs", check_web_logs},
      {HuntStage::tampering, "security tools", check_security_tampering},
      {HuntStage::tampering, "cloud agents", check_cloud_agents},
      {HuntStage::tampering, "credentials", check_credentials},
  };
  return checks;
}

std::vector<Finding> run_hunt_stage(HuntContext& ctx, HuntStage stage) {
  std::vector<Finding> out;
  for (auto& check : hunt_checks()) {
    if (check.stage != stage) continue;
    for (auto& f : check.run(ctx)) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
