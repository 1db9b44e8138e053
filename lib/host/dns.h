#pragma once
// Name resolution state of the host: /etc/hosts (pool domains pinned to an address, or rival pools
// sinkholed, are evidence), /etc/resolv.conf, and host names in a DNS cache that can be read from disk.
// Pure parsers take the text; read_dns_state reads the files through HostRoot.
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct HostsFileEntry {
  std::string address;             // as written (validated as an IPv4/IPv6 address)
  std::vector<std::string> names;  // lowercase, trailing dot dropped
  int line = 0;                    // 1-based
  std::string text;                // the line without its comment, trimmed (raw bytes)
  std::string raw;                 // the whole line as written: what an edit of the file matches on
  bool sinkhole = false;           // 0.0.0.0, 127.0.0.0/8, ::, ::1: the names are blocked, not served
  bool responder_block = false;    // inside a "# BEGIN unmine block" ... "# END unmine block" sinkhole
};

struct HostsFileParse {
  std::vector<HostsFileEntry> entries;
  std::vector<std::string> anomalies;  // printable: "line N: why"
};

HostsFileParse parse_hosts_file(std::string_view text);

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> search;
  std::vector<std::string> options;
  std::vector<std::string> anomalies;
};

ResolvConf parse_resolv_conf(std::string_view text);

// Host names held in a binary cache file (nscd's persistent /var/cache/nscd/hosts keeps each looked-up
// name as a NUL-terminated key): every NUL-terminated run that is a valid DNS name with a dot, lowercase,
// deduplicated, in order of appearance.
std::vector<std::string> extract_cached_host_names(std::string_view blob);

// A syntactically valid DNS host name (labels of letters, digits, '-' and '_', at most 253 bytes).
bool is_host_name(std::string_view name);

struct DnsState {
  HostsFileParse hosts;
  std::string hosts_path = "/etc/hosts";
  bool hosts_read = false;
  ResolvConf resolv;
  bool resolv_read = false;
  std::vector<std::string> cached_names;  // from the DNS cache below
  std::string cache_path;                 // empty when no cache could be read
  std::vector<std::string> notes;         // what could not be read and why
};

DnsState read_dns_state(const HostRoot& host);

}  // namespace unmine
