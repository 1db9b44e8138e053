#pragma once
// A miner's config file (XMRig config.json, xmr-stak pools.txt, cpuminer JSON, ...). Valid JSON is walked:
// every object with a url key is a pool, with the login, password, TLS and rig id beside it. A file that is
// not valid JSON (hand-edited, truncated, xmr-stak's fragment) is still mined as text for the same keys,
// pool URLs and wallets, and says why it did not parse. Pure: text in, fields out.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/miner.h"
#include "playbook/indicators.h"

namespace unmine {

struct MinerConfig {
  bool valid_json = false;
  std::string parse_error;            // when not valid JSON
  std::vector<std::string> top_keys;  // top-level keys (valid JSON only): what names the family
  std::vector<PoolRef> pools;         // source "config"
  std::vector<WalletMatch> wallets;   // in logins first, then anywhere in the text
  std::optional<std::string> algorithm, coin, rig_id;
};

MinerConfig parse_miner_config(std::string_view text, const Indicators& indicators);

}  // namespace unmine
