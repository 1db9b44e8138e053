#include "host/dpkg_db.h"

#include <fcntl.h>

#include <algorithm>
#include <filesystem>

#include "core/hashing.h"
#include "core/text.h"

namespace unmine {
namespace {

bool is_hex32(std::string_view s) {
  return s.size() == 32 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool under(std::string_view path, std::string_view dir) {
  return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace

const char* to_string(PackageFileState s) {
  switch (s) {
    case PackageFileState::not_owned: return "not_owned";
    case PackageFileState::unmodified: return "unmodified";
    case PackageFileState::modified: return "modified";
    case PackageFileState::no_digest: return "no_digest";
  }
  return "not_owned";
}

std::vector<std::string_view> parse_dpkg_list(std::string_view text) {
  std::vector<std::string_view> out;
  for (auto line : lines(text))
    if (!line.empty() && line.front() == '/' && line != "/.") out.push_back(line);
  return out;
}

std::vector<Md5Row> parse_dpkg_md5sums(std::string_view text, std::vector<std::string>* anomalies) {
  std::vector<Md5Row> out;
  for (auto line : lines(text)) {
    if (line.empty()) continue;
    auto sp = line.find(' ');
    if (sp == std::string_view::npos || !is_hex32(line.substr(0, sp))) {
      if (anomalies) anomalies->push_back("malformed md5sums line: " + printable(line.substr(0, 120)));
      continue;
    }
    auto path = line.substr(sp);
    while (!path.empty() && path.front() == ' ') path.remove_prefix(1);
    if (path.empty()) continue;
    out.push_back({path, line.substr(0, sp)});
  }
  return out;
}

std::vector<ConffileRow> parse_dpkg_status_conffiles(std::string_view text) {
  std::vector<ConffileRow> out;
  std::string_view package;
  bool in_conffiles = false;
  for (auto line : lines(text)) {
    if (line.empty()) {
      package = {};
      in_conffiles = false;
      continue;
    }
    if (line.front() != ' ') {
      in_conffiles = line == "Conffiles:" || line.starts_with("Conffiles: ");
      if (line.starts_with("Package: ")) package = trim(line.substr(9));
      continue;
    }
    if (!in_conffiles || package.empty()) continue;
    // " /etc/path HEX32" or " /etc/path HEX32 obsolete"; a path may hold spaces, the digest never does.
    auto fields = trim(line);
    if (fields.ends_with(" obsolete")) fields.remove_suffix(9);
    auto sp = fields.rfind(' ');
    if (sp == std::string_view::npos || fields.front() != '/') continue;
    auto md5 = fields.substr(sp + 1);
    if (!is_hex32(md5)) continue;  // "newconffile": not installed yet
    out.push_back({package, fields.substr(0, sp), md5});
  }
  return out;
}

DpkgDatabase DpkgDatabase::load(const HostRoot& host) {
  DpkgDatabase db;
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    auto st = host.lstat(top);
    if (!st || !S_ISLNK(st->st_mode)) continue;
    auto target = host.readlink(top);
    if (!target || target->empty()) continue;
    std::string resolved = target->front() == '/' ? *target : "/" + *target;
    while (resolved.size() > 1 && resolved.back() == '/') resolved.pop_back();
    db.add_alias(top, resolved);
  }
  const std::string info = "/var/lib/dpkg/info";
  auto entries = host.list(info);
  // Sized once for a typical package's ~90 paths: no rehashing while they fill.
  auto lists = static_cast<size_t>(
      std::count_if(entries.begin(), entries.end(), [](auto& e) { return e.name.ends_with(".list"); }));
  db.owner_.reserve(lists * 96);
  db.md5_.reserve(lists * 96);
  db.base_names_.reserve(lists * 64);
  for (auto& e : entries) {
    std::string_view name = e.name;
    if (!name.ends_with(".list")) continue;
    auto pkg = name.substr(0, name.size() - 5);
    auto list = host.read(info + "/" + e.name, 64 << 20);
    if (!list) continue;
    auto sums = host.read(info + "/" + std::string(pkg) + ".md5sums", 64 << 20);
    db.add_kept(db.package_index(pkg), std::move(list->data), sums ? std::move(sums->data) : std::string());
  }
  if (auto status = host.read("/var/lib/dpkg/status", 256 << 20))
    for (auto& row : parse_dpkg_status_conffiles(db.keep(std::move(status->data))))
      db.insert_conffile(db.package_index(row.package), row.path, row.md5);
  return db;
}

std::string_view DpkgDatabase::keep(std::string text) { return texts_.emplace_back(std::move(text)); }

std::string_view DpkgDatabase::canonical_kept(std::string_view path) {
  for (auto& [from, to] : aliases_)
    if (under(path, from)) return keep(to + std::string(path.substr(from.size())));
  return path;
}

std::string DpkgDatabase::canonical(std::string_view path) const {
  for (auto& [from, to] : aliases_)
    if (under(path, from)) return to + std::string(path.substr(from.size()));
  return std::string(path);
}

void DpkgDatabase::add_alias(std::string from, std::string to) {
  aliases_.emplace_back(std::move(from), std::move(to));
}

uint32_t DpkgDatabase::package_index(std::string_view package) {
  auto it = std::find(package_names_.begin(), package_names_.end(), package);
  if (it != package_names_.end()) return static_cast<uint32_t>(it - package_names_.begin());
  package_names_.emplace_back(package);
  ++packages_;
  return static_cast<uint32_t>(package_names_.size() - 1);
}

// `path` is a view into texts_.
void DpkgDatabase::insert_path(std::string_view path, uint32_t pkg) {
  owner_.emplace(canonical_kept(path), pkg);
  base_names_.emplace(base_name(path));
}

void DpkgDatabase::add_kept(uint32_t pkg, std::string list_text, std::string md5sums_text) {
  for (auto p : parse_dpkg_list(keep(std::move(list_text)))) insert_path(p, pkg);
  std::string& sums = texts_.emplace_back(std::move(md5sums_text));
  for (auto& row : parse_dpkg_md5sums(sums, nullptr)) {
    // "HEX32  usr/bin/x": the space before the relative path becomes its leading slash, in place, so the
    // absolute path is a view too (the digest before it is untouched).
    auto at = static_cast<size_t>(row.path.data() - sums.data()) - 1;
    sums[at] = '/';
    md5_.emplace(canonical_kept(std::string_view(sums).substr(at, row.path.size() + 1)), row.md5);
  }
}

void DpkgDatabase::add(std::string_view package, std::string_view list_text, std::string_view md5sums_text) {
  add_kept(package_index(package), std::string(list_text), std::string(md5sums_text));
}

void DpkgDatabase::add_conffile(std::string_view package, std::string_view path, std::string_view md5) {
  auto line = keep(std::string(path) + " " + std::string(md5));
  insert_conffile(package_index(package), line.substr(0, path.size()), line.substr(path.size() + 1));
}

void DpkgDatabase::insert_conffile(uint32_t pkg, std::string_view path, std::string_view md5) {
  insert_path(path, pkg);
  md5_.emplace(canonical_kept(path), md5);
}

bool DpkgDatabase::owns(std::string_view path) const { return owner_.count(canonical(path)) > 0; }

std::optional<std::string_view> DpkgDatabase::md5(std::string_view path) const {
  auto it = md5_.find(canonical(path));
  if (it == md5_.end()) return std::nullopt;
  return it->second;
}

std::string_view DpkgDatabase::package_of(std::string_view path) const {
  auto it = owner_.find(canonical(path));
  return it == owner_.end() ? std::string_view() : std::string_view(package_names_[it->second]);
}

bool DpkgDatabase::ships_name(std::string_view name) const { return !name.empty() && base_names_.count(name) > 0; }

PackageFile DpkgDatabase::lookup(const HostRoot& host, std::string_view path) const {
  std::string p(path);
  // A few hops at most: enablement links point straight at the unit file.
  for (int hop = 0; !owns(p) && hop < 4; ++hop) {
    auto st = host.lstat(p);
    if (!st || !S_ISLNK(st->st_mode)) return {};
    auto target = host.readlink(p);
    if (!target || target->empty()) return {};
    auto next =
        target->front() == '/' ? std::filesystem::path(*target) : std::filesystem::path(p).parent_path() / *target;
    p = next.lexically_normal().string();
  }
  if (!owns(p)) return {};
  PackageFile out{PackageFileState::no_digest, std::string(package_of(p)), p};
  auto want = md5(p);
  if (!want) return out;
  auto fd = host.open(p, O_RDONLY);
  auto got = fd ? hash_fd(fd.get()) : std::nullopt;
  out.state = got && got->md5 == *want ? PackageFileState::unmodified : PackageFileState::modified;
  return out;
}

}  // namespace unmine
