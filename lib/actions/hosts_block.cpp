#include "actions/hosts_block.h"

#include <arpa/inet.h>

#include "actions/block_plan.h"
#include "core/text.h"
#include "host/dns.h"

namespace unmine {
namespace {

constexpr std::string_view kBeginPrefix = "# BEGIN unmine block";

struct Line {
  size_t begin, end;  // end: past the newline (or the text's end)
  std::string_view body;
};

std::vector<Line> split_lines(std::string_view text) {
  std::vector<Line> out;
  size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    auto body = text.substr(pos, (nl == std::string_view::npos ? text.size() : nl) - pos);
    if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
    out.push_back({pos, end, body});
    pos = end;
  }
  return out;
}

enum class AddressClass { sinkhole, private_net, public_net };

AddressClass classify(const std::string& canonical) {
  if (is_ipv6(canonical)) {
    in6_addr a{};
    ::inet_pton(AF_INET6, canonical.c_str(), &a);
    if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_LOOPBACK(&a)) return AddressClass::sinkhole;
    if ((a.s6_addr[0] & 0xfe) == 0xfc || IN6_IS_ADDR_LINKLOCAL(&a) || IN6_IS_ADDR_MULTICAST(&a))
      return AddressClass::private_net;
    return AddressClass::public_net;
  }
  in_addr a{};
  ::inet_pton(AF_INET, canonical.c_str(), &a);
  uint32_t v = ntohl(a.s_addr);
  auto in = [&](uint32_t net, int bits) { return (v >> (32 - bits)) == (net >> (32 - bits)); };
  if (v == 0 || in(0x7f000000, 8)) return AddressClass::sinkhole;
  if (in(0x0a000000, 8) || in(0xac100000, 12) || in(0xc0a80000, 16) || in(0xa9fe0000, 16) || in(0x64400000, 10) ||
      in(0xe0000000, 4))
    return AddressClass::private_net;
  return AddressClass::public_net;
}

// The name itself or a parent of it is a pool name ("eu.pool.example" under "pool.example").
const std::string* pool_match(const std::string& name, const std::set<std::string>& pools) {
  std::string_view s = name;
  while (true) {
    if (auto it = pools.find(std::string(s)); it != pools.end()) return &*it;
    auto dot = s.find('.');
    if (dot == std::string_view::npos) return nullptr;
    s.remove_prefix(dot + 1);
    if (s.find('.') == std::string_view::npos) return nullptr;  // never match on a bare TLD
  }
}

std::string render_block(std::string_view case_uuid, const std::set<std::string>& domains) {
  std::string out = hosts_block_begin(case_uuid) + "\n";
  out += "# Mining-pool host names sinkholed during incident response; remove with: unmine block --remove\n";
  for (auto& d : domains) out += "0.0.0.0 " + d + "\n:: " + d + "\n";
  out += std::string(kHostsBlockEnd) + "\n";
  return out;
}

}  // namespace

std::string hosts_block_begin(std::string_view case_uuid) {
  return std::string(kBeginPrefix) + " (case " + std::string(case_uuid) + ")";
}

std::optional<HostsBlockSpan> find_hosts_block(std::string_view text, std::string_view case_uuid) {
  auto begin_line = hosts_block_begin(case_uuid);
  std::optional<HostsBlockSpan> span;
  for (auto& l : split_lines(text)) {
    if (!span) {
      if (l.body == begin_line) span = HostsBlockSpan{l.begin, l.end, {}};
      continue;
    }
    span->end = l.end;
    if (l.body == kHostsBlockEnd) return span;
    auto f = words(l.body);
    if (f.size() >= 2 && f[0] != "#" && !f[0].starts_with("#"))
      for (size_t i = 1; i < f.size(); ++i) span->domains.insert(std::string(f[i]));
  }
  return std::nullopt;  // no END line: not a block we wrote, leave it alone
}

HostsEdit add_hosts_block(std::string_view text, std::string_view case_uuid, const std::set<std::string>& domains) {
  HostsEdit edit;
  auto span = find_hosts_block(text, case_uuid);
  if (span) edit.domains = span->domains;
  for (auto& d : domains)
    if (edit.domains.insert(d).second) edit.added.insert(d);
  auto block = render_block(case_uuid, edit.domains);
  if (span) {
    edit.content = std::string(text.substr(0, span->begin)) + block + std::string(text.substr(span->end));
  } else {
    edit.content = std::string(text);
    if (!edit.content.empty() && edit.content.back() != '\n') {
      edit.content += '\n';
      edit.added_newline = true;
    }
    edit.content += block;
  }
  return edit;
}

std::optional<std::string> strip_hosts_block(std::string_view text, std::string_view case_uuid, bool added_newline) {
  auto span = find_hosts_block(text, case_uuid);
  if (!span) return std::nullopt;
  size_t begin = span->begin;
  // The newline we added before an appended block goes too, when the block is still the file's tail.
  if (added_newline && span->end == text.size() && begin > 0 && text[begin - 1] == '\n') --begin;
  return std::string(text.substr(0, begin)) + std::string(text.substr(span->end));
}

std::vector<Finding> hosts_poisoning(std::string_view text, std::string_view path,
                                     const std::set<std::string>& pool_domains) {
  std::vector<Finding> out;
  for (auto& e : parse_hosts_file(text).entries) {
    if (e.responder_block) continue;
    auto address = canonical_ip(e.address);
    if (!address) continue;
    auto cls = classify(*address);
    for (auto& raw : e.names) {
      auto name = normalize_domain(raw);
      auto key = std::string(path) + "\n" + e.raw + "\n" + name;
      std::optional<Finding> f;
      if (auto pool = pool_match(name, pool_domains)) {
        if (cls == AddressClass::sinkhole) {
          f = make_finding(Group::pool, "net.dns", Severity::low,
                           "hosts file sinkholes pool " + printable(name) + " to " + *address +
                               " outside unmine's block (a rival miner's cleanup?)",
                           key);
        } else {
          f = make_finding(Group::pool, "net.dns", Severity::high,
                           "hosts file points pool " + printable(name) + " at " + *address, key);
        }
        f->evidence = {{"line", printable(e.raw)},
                       {"name", printable(name)},
                       {"address", *address},
                       {"rule", "pool domain " + *pool}};
      } else if (cls == AddressClass::public_net) {
        f = make_finding(Group::tooling, "net.dns", Severity::low,
                         "hosts file pins " + printable(name) + " to public address " + *address + " (C2?)", key);
        f->evidence = {{"line", printable(e.raw)},
                       {"name", printable(name)},
                       {"address", *address},
                       {"rule", "name pinned to a public address"}};
      }
      if (!f) continue;
      f->path = std::string(path);
      f->line = e.line;
      out.push_back(std::move(*f));
    }
  }
  return out;
}

}  // namespace unmine
