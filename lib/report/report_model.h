#pragma once
// The report as one JSON document (evidence_schema/json/report.schema.json), built from the case
// database alone: every renderer (md, html, stix, timeline) draws from this document.
#include <nlohmann/json.hpp>
#include <string>

namespace unmine {

class CaseStore;

struct ReportOptions {
  double cost_per_vcpu_hour = 0.05;  // a typical public-cloud on-demand price, in the user's currency
  std::string currency = "USD";
};

// steps_def: the playbook's steps.json (its time boxes and steps).
nlohmann::json build_report(const CaseStore& store, const ReportOptions& options, const nlohmann::json& steps_def);

}  // namespace unmine
