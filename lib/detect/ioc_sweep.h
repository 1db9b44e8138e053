#pragma once
// The fleet sweep (validate --iocs, hunt --iocs): what on this host matches another case's indicators,
// even where the playbook alone sees nothing: a process or connection, a binary with the same SHA-256
// under another name, a wallet or pool in a config file, an SSH key with the same fingerprint. Each match
// is a high finding naming the IoC in its evidence ("ioc": {type, value, case, host}). Reads, never changes.
#include <string>
#include <vector>

#include "detect/triage.h"
#include "detect/verdict.h"
#include "host/host_root.h"
#include "model/finding.h"
#include "model/iocs.h"

namespace unmine {

struct IocSweep {
  std::vector<Finding> findings;
  std::vector<std::string> notes;  // what could not be read
  bool complete = true;            // false: a limit stopped the sweep (the notes say which)
};

// Processes, connections, files in the usual drop folders and the IoCs' own folders, authorized keys.
// `skip`: folders (inside the root) not walked, such as the case folder with its evidence copies.
IocSweep sweep_iocs(const HostRoot& host, const IocSet& iocs, const std::vector<std::string>& skip);

// Persistence findings tied through one of the IoCs (their evidence names the indicator): severity high
// and the IoC named. Returns how many were marked.
size_t mark_ioc_matches(std::vector<Finding>& findings, const IocSet& iocs);

// The IoCs the findings matched, as indicators of this host's incident (recorded in its case).
IncidentIndicators matched_indicators(const std::vector<Finding>& findings, const IocSet& iocs);

// A known incident's indicator on this host is at least high, whatever groups are present.
Verdict raise_for_ioc_matches(Verdict v, const std::vector<Finding>& findings);

bool is_ioc_match(const Finding& f);

// An IoC document from the analyst's machine (`case iocs` output). Throws RuntimeError saying what is wrong.
IocSet read_ioc_file(const std::string& path);

// validate --iocs: run_triage was given iocs.indicators() as TriageOptions::sweep; this marks the tied
// persistence, adds the sweep's findings, records the matched IoCs among the incident's indicators and
// re-judges the verdict.
void apply_ioc_sweep(TriageResult& r, const HostRoot& host, const IocSet& iocs, const std::vector<std::string>& skip);

}  // namespace unmine
