// Placeholder until triage lands: nothing found.
#include "detect/triage.h"

namespace unmine {

TriageResult run_triage(const HostRoot&, const Playbook&, const TriageOptions&) {
  TriageResult r;
  r.verdict = attack_chain_verdict({});
  return r;
}

}  // namespace unmine
