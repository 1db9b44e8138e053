#pragma once
// What the package manager installed: dpkg's /var/lib/dpkg/info/*.list (paths) and *.md5sums (digests)
// under the root. Files it owns are not "new binaries"; an owned file whose MD5 differs was modified.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "host/host_root.h"

namespace unmine {

// Pure parsers. A .list holds one absolute path a line; a .md5sums "HEX32  relative/path" lines.
std::vector<std::string_view> parse_dpkg_list(std::string_view text);
struct Md5Row {
  std::string_view path;  // relative, as written ("usr/bin/curl")
  std::string_view md5;   // 32 lowercase hex
};
std::vector<Md5Row> parse_dpkg_md5sums(std::string_view text, std::vector<std::string>* anomalies);

class DpkgDatabase {
 public:
  // Loads every package's lists under the root. Top-level merged-/usr links (/bin -> usr/bin) are
  // applied, so /bin/ls in a list also owns /usr/bin/ls.
  static DpkgDatabase load(const HostRoot& host);

  bool present() const { return packages_ > 0; }
  size_t packages() const { return packages_; }
  bool owns(std::string_view path) const;
  // The MD5 dpkg recorded for a path (hex), when it has one.
  std::optional<std::string_view> md5(std::string_view path) const;
  std::string_view package_of(std::string_view path) const;

  // For tests: add one package's files.
  void add(std::string_view package, std::string_view list_text, std::string_view md5sums_text);

 private:
  std::vector<std::string> package_names_;
  std::unordered_map<std::string, uint32_t> owner_;  // path -> index in package_names_
  std::unordered_map<std::string, std::string> md5_;
  std::vector<std::pair<std::string, std::string>> aliases_;  // ("/bin", "/usr/bin")
  size_t packages_ = 0;
  void insert_path(std::string path, uint32_t pkg);
};

}  // namespace unmine
