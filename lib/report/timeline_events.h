#pragma once
// The incident's timeline from the case: miner process starts, file times of preserved evidence,
// connections, findings, actions, checks and steps; each event {at, kind, source, message, ...}, oldest first.
#include <nlohmann/json.hpp>

namespace unmine {

// report: the document build_report assembles (its case, miners, evidence, findings, actions, checks, steps).
nlohmann::json timeline_events(const nlohmann::json& report);

}  // namespace unmine
