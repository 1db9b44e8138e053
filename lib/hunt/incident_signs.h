#pragma once
// The dated traces of the incident that open the compromise window: the miners' start times and the
// file times (birth, change, modification) of their binaries, configs and persistence files.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "host/host_root.h"
#include "hunt/window.h"
#include "model/incident.h"

namespace unmine {

// miners: contract miners[] objects (case's miners table or triage). paths: persistence and other files
// of the incident (findings' paths), beside the indicators' own paths.
std::vector<IncidentSign> incident_signs(const HostRoot& host, const std::vector<nlohmann::json>& miners,
                                         const IncidentIndicators& indicators, const std::vector<std::string>& paths);

}  // namespace unmine
