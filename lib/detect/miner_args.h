#pragma once
// A miner's command line read the way miners read it (XMRig, xmr-stak, cpuminer, ethminer, ...): pools
// with the login, password and TLS switch that follow each -o, the algorithm, coin, rig id and config
// file. Pure: argv in, fields out; which option carries what comes from the playbook.
#include <optional>
#include <string>
#include <vector>

#include "detect/miner.h"
#include "playbook/indicators.h"

namespace unmine {

struct MinerArgs {
  std::vector<PoolRef> pools;         // source "cmdline"; a pool option that is not a host:port is dropped
  std::vector<std::string> bad_urls;  // pool option values that did not parse (for evidence)
  std::optional<std::string> algorithm, coin, rig_id, config_path, proxy;
  std::optional<std::string> user_without_pool;  // -u given without any -o (the pool may be in a config)
  std::vector<std::string> family_flags;         // options only one family takes ("--donate-level=1")
  const MinerFamily* flag_family = nullptr;      // the family of the first of them
  std::vector<std::string> common_flags;         // options many miners share ("-o", "--algo")
};

// argv[0] is the program and is skipped. XMRig semantics: -u/-p/--tls/--rig-id apply to the pool of the
// last -o before them (or to the first pool when given before any -o). Both "-o URL", "-oURL" and
// "--url=URL" are read.
MinerArgs parse_miner_args(const std::vector<std::string>& argv, const Indicators& indicators);

// Splits a shell line into words the simple way (whitespace, single and double quotes, backslash):
// enough to read a miner invocation out of a dropper script; nothing is expanded.
std::vector<std::string> split_shell_words(std::string_view line);

}  // namespace unmine
