#pragma once
// What the package manager installed: dpkg's /var/lib/dpkg/info/*.list (paths), *.md5sums (digests) and
// the Conffiles of /var/lib/dpkg/status, under the root. Files it owns are not "new binaries"; an owned
// file whose MD5 differs was modified.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

// Pure parsers. A .list holds one absolute path a line; a .md5sums "HEX32  relative/path" lines.
std::vector<std::string_view> parse_dpkg_list(std::string_view text);
struct Md5Row {
  std::string_view path;  // relative, as written ("usr/bin/curl"); absolute in status Conffiles
  std::string_view md5;   // 32 lowercase hex
};
std::vector<Md5Row> parse_dpkg_md5sums(std::string_view text, std::vector<std::string>* anomalies);
// The Conffiles of every package in dpkg's status file (" /etc/x HEX32 [obsolete]" continuation lines).
struct ConffileRow {
  std::string_view package;
  std::string_view path;  // absolute
  std::string_view md5;
};
std::vector<ConffileRow> parse_dpkg_status_conffiles(std::string_view text);

// How a file on disk stands against the package database.
enum class PackageFileState {
  not_owned,   // no package lists it
  unmodified,  // owned, and its MD5 equals the one dpkg recorded
  modified,    // owned, and its MD5 differs (or it cannot be read to compare)
  no_digest,   // owned, but dpkg recorded no MD5 for it (directories, some generated files)
};
const char* to_string(PackageFileState s);

struct PackageFile {
  PackageFileState state = PackageFileState::not_owned;
  std::string package;  // empty when not owned
  std::string path;     // the owned path (a symlink's target inside the root, when the link itself is not owned)
};

class DpkgDatabase {
 public:
  // The package database under the root, read when first asked: then every package's list (which paths it
  // owns) and the status file's conffiles; a package's md5sums only when a digest of one of its files is
  // asked (most runs ask for a handful). The root must outlive the database. Under merged /usr (/bin,
  // /sbin, /lib... are links into /usr) a path is known by both spellings: dpkg's "/lib/systemd/x"
  // answers for "/usr/lib/systemd/x" on disk, and the reverse. Safe to ask from several threads.
  static DpkgDatabase load(const HostRoot& host);

  bool present() const { return packages() > 0; }
  size_t packages() const;
  bool owns(std::string_view path) const;
  // The MD5 dpkg recorded for a path (hex), when it has one: the owning package's md5sums, else the conffiles.
  std::optional<std::string_view> md5(std::string_view path) const;
  std::string_view package_of(std::string_view path) const;
  // Whether the package database knows a file of this base name ("sshd", "node"), in any folder.
  bool ships_name(std::string_view base_name) const;
  // The file at `path` under the root, compared with dpkg's record (one read and hash when owned). A
  // symlink no package lists is followed inside the root (/etc/systemd/system/x.service -> /lib/...).
  PackageFile lookup(const HostRoot& host, std::string_view path) const;
  PackageFileState state(const HostRoot& host, std::string_view path) const { return lookup(host, path).state; }
  bool owned_unmodified(const HostRoot& host, std::string_view path) const {
    return state(host, path) == PackageFileState::unmodified;
  }
  // The spelling every lookup is made in: the merged-/usr alias resolved ("/lib/x" -> "/usr/lib/x").
  std::string canonical(std::string_view path) const;

  DpkgDatabase();
  ~DpkgDatabase();
  DpkgDatabase(DpkgDatabase&&) noexcept;
  DpkgDatabase& operator=(DpkgDatabase&&) noexcept;
  DpkgDatabase(const DpkgDatabase&) = delete;
  DpkgDatabase& operator=(const DpkgDatabase&) = delete;

  // For tests: a merged-/usr link (from "/lib" to "/usr/lib"), then one package's files.
  void add_alias(std::string from, std::string to);
  void add(std::string_view package, std::string_view list_text, std::string_view md5sums_text);
  void add_conffile(std::string_view package, std::string_view path, std::string_view md5);

 private:
  struct Index;                                               // the owned paths, conffiles and the md5sums read so far
  struct Sums;                                                // one package's md5sums
  const HostRoot* host_ = nullptr;                            // null for a database made by add()
  std::vector<std::pair<std::string, std::string>> aliases_;  // ("/bin", "/usr/bin")
  std::unique_ptr<Index> index_;
  Index& index() const;  // reads the lists on first use
  void read_lists(Index& ix) const;
  const Sums& sums_of(uint32_t package) const;
};

}  // namespace unmine
