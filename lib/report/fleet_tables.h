#pragma once
// The fleet sections of the report (a case with merged hosts): the per-host table, the campaigns, and the
// hosts × indicators grid (which host carries which linking indicator).
#include <nlohmann/json.hpp>

#include "report/report_tables.h"

namespace unmine {

ReportTable fleet_hosts_table(const nlohmann::json& report);
ReportTable campaigns_table(const nlohmann::json& report);
// One row a host, one column an indicator shared by two or more hosts: "x" where the host has it.
ReportTable fleet_grid_table(const nlohmann::json& report);

}  // namespace unmine
