#include "host/dns.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/text.h"

namespace unmine {
namespace {

std::string_view strip_comment(std::string_view line) {
  auto hash = line.find('#');
  return trim(hash == std::string_view::npos ? line : line.substr(0, hash));
}

bool is_sinkhole(std::string_view address) {
  std::string a(address);
  in_addr v4{};
  if (::inet_pton(AF_INET, a.c_str(), &v4) == 1) {
    auto host = ntohl(v4.s_addr);
    return host == 0 || (host >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, a.c_str(), &v6) == 1) return IN6_IS_ADDR_UNSPECIFIED(&v6) || IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

std::string normalise_name(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  return to_lower(name);
}

}  // namespace

bool is_host_name(std::string_view name) {
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

HostsFileParse parse_hosts_file(std::string_view text) {
  HostsFileParse r;
  int number = 0;
  bool in_block = false;  // `unmine block` writes its sinkhole between these markers
  for (auto raw : lines(text)) {
    ++number;
    if (raw.starts_with("# BEGIN unmine block")) in_block = true;
    if (raw.starts_with("# END unmine block")) in_block = false;
    auto line = strip_comment(raw);
    if (line.empty()) continue;
    auto w = words(line);
    auto bad = [&](std::string_view why) {
      r.anomalies.push_back("line " + std::to_string(number) + ": " + std::string(why) + ": " +
                            printable(line.substr(0, 200)));
    };
    if (!is_ip_address(w[0])) {
      bad("not an address");
      continue;
    }
    if (w.size() < 2) {
      bad("address without a name");
      continue;
    }
    HostsFileEntry e;
    e.address = std::string(w[0]);
    e.line = number;
    e.text = std::string(line);
    e.raw = std::string(raw);
    e.sinkhole = is_sinkhole(w[0]);
    e.responder_block = in_block;
    for (size_t i = 1; i < w.size(); ++i) {
      if (!is_host_name(w[i])) {
        bad("not a host name (" + printable(w[i].substr(0, 80)) + ")");
        continue;
      }
      e.names.push_back(normalise_name(w[i]));
    }
    if (!e.names.empty()) r.entries.push_back(std::move(e));
  }
  return r;
}

ResolvConf parse_resolv_conf(std::string_view text) {
  ResolvConf r;
  int number = 0;
  for (auto raw : lines(text)) {
    ++number;
    auto hash = raw.find_first_of("#;");
    auto line = trim(hash == std::string_view::npos ? raw : raw.substr(0, hash));
    if (line.empty()) continue;
    auto w = words(line);
    auto bad = [&](std::string_view why) {
      r.anomalies.push_back("line " + std::to_string(number) + ": " + std::string(why) + ": " +
                            printable(line.substr(0, 200)));
    };
    if (w[0] == "nameserver") {
      if (w.size() < 2 || !is_ip_address(w[1]))
        bad("nameserver without an address");
      else
        r.nameservers.emplace_back(w[1]);
    } else if (w[0] == "search" || w[0] == "domain") {
      for (size_t i = 1; i < w.size(); ++i) r.search.push_back(normalise_name(w[i]));
    } else if (w[0] == "options") {
      for (size_t i = 1; i < w.size(); ++i) r.options.push_back(printable(w[i]));
    } else if (w[0] != "sortlist") {
      bad("unknown keyword");
    }
  }
  return r;
}

std::vector<std::string> extract_cached_host_names(std::string_view blob) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  size_t i = 0;
  while (i < blob.size()) {
    auto nul = blob.find('\0', i);
    if (nul == std::string_view::npos) break;
    auto run = blob.substr(i, nul - i);
    // The key may sit right after binary bytes of its record: take the longest name-shaped tail.
    size_t start = run.size();
    while (start > 0) {
      char c = run[start - 1];
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.';
      if (!ok) break;
      --start;
    }
    auto name = run.substr(start);
    while (!name.empty() && (name.front() == '.' || name.front() == '-')) name.remove_prefix(1);
    auto n = normalise_name(name);
    auto dot = n.rfind('.');
    // A name needs a letter in its last label: "1.2.3.4" is an address, not a name.
    if (n.size() >= 4 && dot != std::string::npos && is_host_name(n) &&
        std::any_of(n.begin() + static_cast<long>(dot) + 1, n.end(), [](char c) { return c >= 'a' && c <= 'z'; }) &&
        seen.insert(n).second)
      out.push_back(std::move(n));
    i = nul + 1;
  }
  return out;
}

DnsState read_dns_state(const HostRoot& host) {
  DnsState s;
  if (auto hosts = host.read("/etc/hosts", 4u << 20)) {
    s.hosts = parse_hosts_file(hosts->data);
    s.hosts_read = true;
    if (hosts->truncated) s.notes.emplace_back("/etc/hosts is larger than 4 MiB: only its start was read");
  } else {
    s.notes.emplace_back("/etc/hosts: not readable");
  }
  if (auto resolv = host.read("/etc/resolv.conf", 1u << 20)) {
    s.resolv = parse_resolv_conf(resolv->data);
    s.resolv_read = true;
  }
  constexpr std::string_view kNscdHosts = "/var/cache/nscd/hosts";
  if (auto cache = host.read(kNscdHosts, 64u << 20)) {
    s.cached_names = extract_cached_host_names(cache->data);
    s.cache_path = std::string(kNscdHosts);
  } else if (host.exists("/usr/lib/systemd/systemd-resolved") || host.exists("/lib/systemd/systemd-resolved")) {
    s.notes.emplace_back(
        "DNS cache: systemd-resolved keeps its cache in memory only (no on-disk cache); it was not read. "
        "`resolvectl show-cache` (systemd 254+) or SIGUSR1 to the daemon dumps it to the journal");
  } else {
    s.notes.emplace_back("DNS cache: no readable on-disk cache (" + std::string(kNscdHosts) + " absent)");
  }
  return s;
}

}  // namespace unmine
