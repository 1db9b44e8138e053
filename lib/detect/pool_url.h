#pragma once
// Pool addresses as miners take them: "stratum+ssl://user@pool.example:443", "pool.example:3333",
// "[2001:db8::1]:3333". Pure parsers; which schemes mean a pool (and TLS) comes from the playbook.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "playbook/indicators.h"

namespace unmine {

struct PoolUrl {
  std::string url;     // as written
  std::string scheme;  // lowercase, empty when none was written
  std::string host;    // lowercase name or address, without brackets
  uint16_t port = 0;
  bool tls = false;          // from the scheme
  bool pool_scheme = false;  // the scheme is a pool's (stratum+tcp, ...)
  std::string user;          // userinfo before '@', rarely used by miners
};

// nullopt unless the text has a host and a port (1..65535); a scheme, when written, must be one the
// playbook lists (stratum+tcp, ssl, tcp, ...). Whitespace around is ignored; a path after the port is dropped.
std::optional<PoolUrl> parse_pool_url(std::string_view text, const Indicators& indicators);

// Every pool URL with a pool scheme in a text (script, config, log), in order of appearance.
std::vector<PoolUrl> find_pool_urls(std::string_view text, const Indicators& indicators);

}  // namespace unmine
