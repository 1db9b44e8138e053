#pragma once
// The hosts-file sinkhole of `block`: pool names pointed at 0.0.0.0 and :: inside one clearly marked block
// per case, added and removed without changing a byte outside it, and the lines outside any such block that
// point pool names (or anything) somewhere an attacker would. Pure: text in, text and findings out.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "model/finding.h"

namespace unmine {

std::string hosts_block_begin(std::string_view case_uuid);
inline constexpr std::string_view kHostsBlockEnd = "# END unmine block";

struct HostsBlockSpan {
  size_t begin = 0, end = 0;      // byte range, including the END line's newline
  std::set<std::string> domains;  // names the block sinkholes
};
std::optional<HostsBlockSpan> find_hosts_block(std::string_view text, std::string_view case_uuid);

struct HostsEdit {
  std::string content;
  bool added_newline = false;     // the file lacked a final newline, one was added before the block
  std::set<std::string> added;    // names the block did not hold yet
  std::set<std::string> domains;  // everything the block holds now
};
// Our block with its old names plus `domains`, in place when it exists, else appended at the end.
HostsEdit add_hosts_block(std::string_view text, std::string_view case_uuid, const std::set<std::string>& domains);
// The text without our block (and without the newline added for it); nullopt when the block is absent.
std::optional<std::string> strip_hosts_block(std::string_view text, std::string_view case_uuid, bool added_newline);

// Lines outside unmine's blocks that point a pool name anywhere (to a routable address: redirected; to
// loopback/0.0.0.0: a rival's cleanup), or any name at a public address (a pinned C2).
std::vector<Finding> hosts_poisoning(std::string_view text, std::string_view path,
                                     const std::set<std::string>& pool_domains);

}  // namespace unmine
