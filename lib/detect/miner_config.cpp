#include "detect/miner_config.h"

#include "detect/pool_url.h"

namespace unmine {
namespace {

void add_wallets(std::vector<WalletMatch>& out, std::string_view text) {
  for (auto& w : find_wallets(text)) {
    bool seen = false;
    for (auto& o : out) seen |= o.address == w.address;
    if (!seen) out.push_back(std::move(w));
  }
}

// Collects pools from every object holding a url key, at any depth.
void walk(const nlohmann::json& j, const Indicators& ind, MinerConfig& out, int depth) {
  if (depth > 32) return;  // hostile nesting
  if (j.is_array()) {
    for (auto& e : j) walk(e, ind, out, depth + 1);
    return;
  }
  if (!j.is_object()) return;
  PoolRef pool;
  bool has_url = false;
  for (auto& [key, value] : j.items()) {
    auto role = ind.config_field_role(key);
    if (role == "url" && value.is_string()) {
      if (auto u = parse_pool_url(value.get<std::string>(), ind)) {
        pool.url = value.get<std::string>();
        pool.host = u->host;
        pool.port = u->port;
        pool.tls = pool.tls || u->tls;
        has_url = true;
      }
    } else if (role == "user" && value.is_string()) {
      pool.user = value.get<std::string>();
    } else if (role == "tls" && value.is_boolean()) {
      pool.tls = pool.tls || value.get<bool>();
    } else if (role == "algo" && value.is_string() && !out.algorithm) {
      out.algorithm = value.get<std::string>();
    } else if (role == "coin" && value.is_string() && !out.coin) {
      out.coin = value.get<std::string>();
    } else if (role == "rig_id" && value.is_string() && !value.get<std::string>().empty() && !out.rig_id) {
      out.rig_id = value.get<std::string>();
    }
    if (value.is_structured()) walk(value, ind, out, depth + 1);
  }
  if (has_url) {
    pool.source = "config";
    out.pools.push_back(std::move(pool));
  }
}

struct Pair {
  std::string key, value;
  bool is_string = false;
};

// "key": "value" and "key": true|false pairs of a text that is not JSON, in order. A plain scanner (no
// regex): a hostile megabyte of quotes costs one pass.
std::vector<Pair> scan_pairs(std::string_view text) {
  std::vector<Pair> out;
  auto read_string = [&](size_t& i, std::string& into) {  // i at the opening quote
    for (++i; i < text.size() && text[i] != '"' && text[i] != '\n'; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      into += text[i];
    }
    return i < text.size() && text[i] == '"';
  };
  auto skip_space = [&](size_t& i) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) ++i;
  };
  for (size_t i = text.find('"'); i != std::string_view::npos && i < text.size(); i = text.find('"', i + 1)) {
    Pair p;
    if (!read_string(i, p.key)) continue;
    size_t j = i + 1;
    skip_space(j);
    if (j >= text.size() || text[j] != ':') continue;
    ++j;
    skip_space(j);
    if (j < text.size() && text[j] == '"') {
      p.is_string = read_string(j, p.value);
      if (!p.is_string) continue;
      i = j;
    } else if (text.substr(j).starts_with("true") || text.substr(j).starts_with("false")) {
      p.value = text[j] == 't' ? "true" : "false";
    } else {
      continue;
    }
    out.push_back(std::move(p));
  }
  return out;
}

void mine_text(std::string_view text, const Indicators& ind, MinerConfig& out) {
  std::optional<size_t> current;  // index of the pool the following login fields belong to
  std::optional<std::string> pending_user;
  for (auto& [key, value, is_string] : scan_pairs(text)) {
    auto role = ind.config_field_role(key);
    if (role == "url" && is_string) {
      if (auto u = parse_pool_url(value, ind)) {
        out.pools.push_back(PoolRef{value, u->host, u->port, u->tls, pending_user.value_or(""), "config"});
        current = out.pools.size() - 1;
        pending_user.reset();
      }
    } else if (role == "user" && is_string) {
      if (current && out.pools[*current].user.empty())
        out.pools[*current].user = value;
      else
        pending_user = value;
    } else if (role == "tls" && value == "true" && current) {
      out.pools[*current].tls = true;
    } else if (role == "algo" && is_string && !out.algorithm) {
      out.algorithm = value;
    } else if (role == "coin" && is_string && !out.coin) {
      out.coin = value;
    } else if (role == "rig_id" && is_string && !value.empty() && !out.rig_id) {
      out.rig_id = value;
    }
  }
  // Pool URLs outside any recognised key ("pools": ["stratum+tcp://..."]).
  for (auto& u : find_pool_urls(text, ind)) {
    bool seen = false;
    for (auto& p : out.pools) seen |= p.url == u.url;
    if (!seen) out.pools.push_back(PoolRef{u.url, u.host, u.port, u.tls, u.user, "config"});
  }
}

}  // namespace

MinerConfig parse_miner_config(std::string_view text, const Indicators& ind) {
  MinerConfig out;
  try {
    // Comments are accepted: XMRig's own parser allows them.
    auto j = nlohmann::json::parse(text, nullptr, true, true);
    out.valid_json = true;
    if (j.is_object())
      for (auto& [key, value] : j.items()) out.top_keys.push_back(key);
    walk(j, ind, out, 0);
  } catch (const nlohmann::json::exception& e) {
    // A syntax error, or a number JSON allows and a double cannot hold (1E400 is out_of_range, no parse_error).
    out.parse_error = e.what();
    mine_text(text, ind, out);
  }
  for (auto& p : out.pools) add_wallets(out.wallets, p.user);
  add_wallets(out.wallets, text);
  return out;
}

}  // namespace unmine
