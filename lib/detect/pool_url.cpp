#include "detect/pool_url.h"

#include <charconv>

#include "core/text.h"

namespace unmine {
namespace {

bool is_host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool is_scheme_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

bool is_url_char(char c) {
  return c > 0x20 && c < 0x7f && c != '"' && c != '\'' && c != ',' && c != '<' && c != '>' && c != '`' && c != ';' &&
         c != '\\';
}

}  // namespace

std::optional<PoolUrl> parse_pool_url(std::string_view text, const Indicators& indicators) {
  text = trim(text);
  PoolUrl u;
  u.url = std::string(text);
  auto rest = text;
  if (auto sep = rest.find("://"); sep != std::string_view::npos) {
    u.scheme = to_lower(rest.substr(0, sep));
    rest.remove_prefix(sep + 3);
    auto scheme = indicators.scheme(u.scheme);
    if (!scheme) return std::nullopt;  // http://, ftp://: not a pool address
    u.tls = scheme->tls;
    u.pool_scheme = scheme->stratum;
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    u.user = std::string(rest.substr(0, at));
    rest.remove_prefix(at + 1);
  }
  std::string_view host, port;
  if (rest.starts_with('[')) {
    auto close = rest.find(']');
    if (close == std::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') return std::nullopt;
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string_view::npos)
      return std::nullopt;
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.empty()) return std::nullopt;
    for (char c : host)
      if (!is_host_char(c)) return std::nullopt;
  }
  unsigned p = 0;
  auto r = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || r.ec != std::errc{} || r.ptr != port.data() + port.size() || p == 0 || p > 65535)
    return std::nullopt;
  u.host = to_lower(host);
  u.port = static_cast<uint16_t>(p);
  return u;
}

std::vector<PoolUrl> find_pool_urls(std::string_view text, const Indicators& indicators) {
  std::vector<PoolUrl> out;
  for (size_t sep = text.find("://"); sep != std::string_view::npos; sep = text.find("://", sep + 3)) {
    size_t start = sep;
    while (start > 0 && is_scheme_char(text[start - 1])) --start;
    size_t end = sep + 3;
    while (end < text.size() && is_url_char(text[end])) ++end;
    auto scheme = indicators.scheme(text.substr(start, sep - start));
    if (!scheme || !scheme->stratum) continue;
    if (auto u = parse_pool_url(text.substr(start, end - start), indicators); u && u->pool_scheme)
      out.push_back(std::move(*u));
  }
  return out;
}

}  // namespace unmine
