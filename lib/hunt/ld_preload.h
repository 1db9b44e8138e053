#pragma once
// /etc/ld.so.preload (read directly, not through the loader it controls) and LD_PRELOAD in
// /etc/environment: a library loaded into every process is how userland rootkits hide files and PIDs.
#include <string>
#include <string_view>
#include <vector>

#include "hunt/hunt_context.h"
#include "model/finding.h"

namespace unmine {

std::vector<Finding> check_ld_preload(HuntContext& ctx);

}  // namespace unmine
