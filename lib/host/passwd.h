#pragma once
// /etc/passwd: users, their uids and home directories (authorized_keys, shell profiles, user crontabs).
#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct PasswdEntry {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string home;
  std::string shell;
};

struct PasswdParse {
  std::vector<PasswdEntry> users;
  std::vector<size_t> bad_lines;  // 1-based numbers of malformed lines
};

PasswdParse parse_passwd(std::string_view text);
std::vector<PasswdEntry> read_passwd(const HostRoot& host);

}  // namespace unmine
