#include "detect/miner_args.h"

#include "detect/pool_url.h"

namespace unmine {
namespace {

struct Option {
  std::string_view name, role;
  std::optional<std::string_view> value;  // given in the same argument ("--url=X", "-oX")
};

// Recognises an option and its role: the whole argument, "--name=value", or a short option with its
// value glued on ("-ostratum+tcp://...").
std::optional<Option> classify(std::string_view arg, const Indicators& ind) {
  if (!arg.starts_with('-') || arg.size() < 2) return std::nullopt;
  if (auto role = ind.option_role(arg); !role.empty()) return Option{arg, role, std::nullopt};
  if (auto eq = arg.find('='); eq != std::string_view::npos) {
    auto name = arg.substr(0, eq);
    if (auto role = ind.option_role(name); !role.empty()) return Option{name, role, arg.substr(eq + 1)};
  }
  if (!arg.starts_with("--") && arg.size() > 2) {
    auto name = arg.substr(0, 2);
    if (auto role = ind.option_role(name); !role.empty()) return Option{name, role, arg.substr(2)};
  }
  return std::nullopt;
}

}  // namespace

MinerArgs parse_miner_args(const std::vector<std::string>& argv, const Indicators& ind) {
  MinerArgs out;
  // Login fields given before any pool: XMRig applies them to the first pool.
  struct Pending {
    std::optional<std::string> user;
    bool tls = false;
  } pending;
  PoolRef* current = nullptr;
  auto apply_pending = [&](PoolRef& p) {
    if (pending.user && p.user.empty()) p.user = *pending.user;
    if (pending.tls) p.tls = true;
    pending = {};
  };
  for (size_t i = 1; i < argv.size(); ++i) {
    std::string_view arg = argv[i];
    const MinerFamily* fam = ind.family_for_flag(arg);
    auto family_option = [&] {
      out.family_flags.emplace_back(arg);
      if (!out.flag_family) out.flag_family = fam;
    };
    if (!fam && ind.is_common_miner_flag(arg)) out.common_flags.emplace_back(arg.substr(0, arg.find('=')));
    auto opt = classify(arg, ind);
    // A family's pool option names the family only with a pool as its value: `xargs -P 2` is not ethminer.
    if (fam && (!opt || opt->role != "url")) family_option();
    if (!opt) continue;
    if (opt->role == "tls") {
      if (opt->value) continue;  // "--tls=..." is not the switch
      if (current)
        current->tls = true;
      else
        pending.tls = true;
      continue;
    }
    std::string value;
    if (opt->value) {
      value = std::string(*opt->value);
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      break;  // an option without its value at the end: nothing more to read
    }
    if (opt->role == "url") {
      if (auto u = parse_pool_url(value, ind)) {
        if (fam) family_option();
        out.pools.push_back(PoolRef{value, u->host, u->port, u->tls, u->user, "cmdline"});
        current = &out.pools.back();
        apply_pending(*current);
      } else {
        out.bad_urls.push_back(value);
      }
    } else if (opt->role == "user") {
      // "-O user:pass" (cpuminer) carries the password after the colon.
      auto user = opt->name == "-O" || opt->name == "--userpass" ? value.substr(0, value.find(':')) : value;
      if (current)
        current->user = user;
      else
        pending.user = user;
      if (!current) out.user_without_pool = user;
    } else if (opt->role == "algo") {
      if (!out.algorithm) out.algorithm = value;
    } else if (opt->role == "coin") {
      if (!out.coin) out.coin = value;
    } else if (opt->role == "rig_id") {
      if (!out.rig_id) out.rig_id = value;
    } else if (opt->role == "config") {
      if (!out.config_path) out.config_path = value;
    } else if (opt->role == "proxy") {
      out.proxy = value;
    }
  }
  if (!out.pools.empty()) apply_pending(out.pools.front());
  if (!out.pools.empty()) out.user_without_pool.reset();
  return out;
}

std::vector<std::string> split_shell_words(std::string_view line) {
  std::vector<std::string> words;
  std::string cur;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' && quote == '"' && i + 1 < line.size())
        cur += line[++i];
      else
        cur += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      cur += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == ';' || c == '&' || c == '|' || c == '\n') {
      if (in_word) words.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;  // a comment
    } else {
      cur += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(cur));
  return words;
}

}  // namespace unmine
