#pragma once
// hunt's checks that read the host through a HuntContext, in one table (checks.cpp), run stage by stage
// in the table's order. Adding a check: a file with `std::vector<Finding> check_NAME(HuntContext&)`
// (declared in its header) and one line in the table. The file walk, the memory scan and the PID sweep
// take options of their own and stay in run_hunt.
#include <string_view>
#include <vector>

#include "hunt/hunt_context.h"
#include "model/finding.h"

namespace unmine {

enum class HuntStage {
  hiding,         // preloads, bind mounts over /proc, modules, CPU time nobody accounts for
  entry_vectors,  // services reachable without authentication, SSH, web exploits
  tampering,      // security tools switched off, cloud agents, credentials for the IAM review
};

struct HuntCheck {
  HuntStage stage;
  std::string_view name;
  std::vector<Finding> (*run)(HuntContext& ctx);
};

const std::vector<HuntCheck>& hunt_checks();
// The findings of every check of one stage, in table order.
std::vector<Finding> run_hunt_stage(HuntContext& ctx, HuntStage stage);

}  // namespace unmine
