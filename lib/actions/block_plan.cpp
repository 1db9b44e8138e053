#include "actions/block_plan.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "core/text.h"

namespace unmine {

std::optional<std::string> canonical_ip(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  std::string s(text);
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  char buf[INET6_ADDRSTRLEN];
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) return ::inet_ntop(AF_INET, &v4, buf, sizeof buf);
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) != 1) return std::nullopt;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], 4);
    return ::inet_ntop(AF_INET, &v4, buf, sizeof buf);
  }
  return ::inet_ntop(AF_INET6, &v6, buf, sizeof buf);
}

bool is_ipv6(std::string_view canonical) { return canonical.find(':') != std::string_view::npos; }

std::string normalize_domain(std::string_view name) {
  auto s = to_lower(name);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string domain_problem(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.size() > 253) return "longer than 253 characters";
  if (canonical_ip(name)) return "an address, not a host name";
  size_t label = 0;
  for (const char& c : name) {
    if (c == '.') {
      if (label == 0) return "empty label";
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return "character " + printable(std::string_view(&c, 1)) + " is not allowed in a host name";
    if (label == 0 && c == '-') return "a label starts with '-'";
    if (++label > 63) return "a label is longer than 63 characters";
  }
  if (label == 0) return "empty label";
  if (name.find('.') == std::string_view::npos) return "not a qualified name (no dot)";
  return {};
}

namespace {

Finding rejected_indicator(std::string_view type, std::string_view value, const std::string& why) {
  auto kind = type == "domain" ? "net.dns" : "net.connection";
  auto f = make_finding(Group::pool, kind, Severity::low,
                        "pool " + std::string(type) + " of the case not blocked: " + why + ": " + printable(value),
                        std::string("block.rejected ") + std::string(type) + " " + std::string(value));
  f.evidence = {{"value", printable(value)}, {"type", type}, {"problem", why}};
  return f;
}

}  // namespace

BlockPlan plan_block(const BlockInputs& in) {
  BlockPlan plan;
  plan.whole_address = in.whole_address;

  auto add_ip = [&](const std::string& canonical, const std::string& why) {
    auto& set = is_ipv6(canonical) ? plan.ipv6 : plan.ipv4;
    set.emplace(canonical, why);
  };
  auto add_domain = [&](const std::string& name, const std::string& why) { plan.domains.emplace(name, why); };

  // The responder's own input: any mistake is a usage error, before anything is planned.
  for (auto& ip : in.ips) {
    auto c = canonical_ip(trim(ip));
    if (!c) throw UsageError("--ip " + printable(ip) + ": not an IPv4 or IPv6 address");
    if (*c == "0.0.0.0" || *c == "::" || *c == "255.255.255.255")
      throw UsageError("--ip " + printable(ip) + ": not a pool address");
    add_ip(*c, "--ip");
  }
  for (auto& h : in.hosts) {
    auto name = normalize_domain(trim(h));
    if (auto why = domain_problem(name); !why.empty()) throw UsageError("--host " + printable(h) + ": " + why);
    add_domain(name, "--host");
  }

  // The incident's pools, as validate/identify recorded them: a bad one is a finding, never a rule.
  for (auto& ip : in.incident.ips) {
    auto c = canonical_ip(ip);
    if (!c) {
      plan.rejected.push_back(rejected_indicator("address", ip, "not an IPv4 or IPv6 address"));
      continue;
    }
    if (*c == "0.0.0.0" || *c == "::" || *c == "255.255.255.255" || *c == "127.0.0.1" || *c == "::1") {
      plan.rejected.push_back(rejected_indicator("address", ip, "a local or unspecified address"));
      continue;
    }
    add_ip(*c, "incident");
  }
  for (auto& d : in.incident.domains) {
    auto name = normalize_domain(d);
    if (auto why = domain_problem(name); !why.empty()) {
      plan.rejected.push_back(rejected_indicator("domain", d, why));
      continue;
    }
    add_domain(name, "incident");
  }
  for (auto& d : in.intel.domains) {
    auto name = normalize_domain(d);
    if (domain_problem(name).empty()) add_domain(name, "playbook");
  }

  // Never the responder's way in or the host's resolvers: they leave the address sets (even when the incident
  // or --ip names them) and are accepted before any drop, so a stratum-only port never cuts them either.
  for (auto& [address, why] : in.keep) {
    auto c = canonical_ip(trim(address));
    if (!c) continue;
    auto& set = is_ipv6(*c) ? plan.ipv6 : plan.ipv4;
    if (auto it = set.find(*c); it != set.end()) {
      plan.rejected.push_back(rejected_indicator("address", *c, "never dropped: " + why));
      set.erase(it);
    }
    plan.kept.emplace(*c, why);
  }

  // Towards the pools: every port the miner used and every pool port. Towards anyone: only pool-only ports.
  plan.any_ports = in.intel.stratum_only;
  for (auto p : in.intel.service) plan.any_ports.erase(p);
  plan.pool_ports = plan.any_ports;
  for (auto p : in.incident.ports)
    if (p != 0) plan.pool_ports.insert(p);

  if (plan.empty())
    throw UsageError("nothing to block: the case holds no pool, the playbook lists none, and no --host/--ip was given");
  return plan;
}

}  // namespace unmine
