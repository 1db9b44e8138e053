#include "host/dpkg_db.h"

#include <fcntl.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <mutex>
#include <unordered_map>

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

struct DpkgDatabase::Sums {
  std::string text;                   // "HEX32 /abs/path" lines: the space before each path made its slash
  std::deque<std::string> spellings;  // merged-/usr spellings
  std::unordered_map<std::string_view, std::string_view> md5;  // canonical path -> hex
};

// A host's lists name ~150,000 paths: they are views into the lists' texts, found through one open-addressing
// table of indices (no node a path), so the whole index is a few bytes a path beyond the texts themselves.
struct DpkgDatabase::Index {
  struct Owned {  // 16 bytes: a canonical path viewed in `texts`, and its package
    const char* data;
    uint32_t size;
    uint32_t package;
    std::string_view path() const { return {data, size}; }
  };
  std::once_flag read;
  std::deque<std::string> texts;  // the lists and the merged-/usr spellings their paths are viewed in
  std::vector<std::string> packages;
  std::unordered_map<std::string, uint32_t> package_numbers;
  std::vector<Owned> owned;                                // the first package listing a path owns it
  std::vector<uint32_t> slots;                             // index into owned + 1; 0 is free
  std::unordered_map<std::string, std::string> conffiles;  // canonical path -> MD5 (dpkg's status)
  std::vector<std::string> given_sums;                     // add()'s md5sums texts, by package
  std::mutex sums_lock;
  std::vector<std::unique_ptr<Sums>> sums;  // by package, once read

  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t package_number(std::string_view name) {
    auto [it, added] = package_numbers.try_emplace(std::string(name), static_cast<uint32_t>(packages.size()));
    if (added) packages.emplace_back(name);
    return it->second;
  }
  uint32_t find(std::string_view path) const {
    if (slots.empty()) return kNone;
    const size_t mask = slots.size() - 1;
    for (size_t i = std::hash<std::string_view>{}(path)&mask; slots[i]; i = (i + 1) & mask)
      if (owned[slots[i] - 1].path() == path) return slots[i] - 1;
    return kNone;
  }
  void insert(std::string_view path, uint32_t package) {
    if ((owned.size() + 1) * 2 > slots.size()) grow();
    const size_t mask = slots.size() - 1;
    size_t i = std::hash<std::string_view>{}(path)&mask;
    for (; slots[i]; i = (i + 1) & mask)
      if (owned[slots[i] - 1].path() == path) return;
    owned.push_back({path.data(), static_cast<uint32_t>(path.size()), package});
    slots[i] = static_cast<uint32_t>(owned.size());
  }
  void grow() { reserve(std::max<size_t>(512, owned.size() * 2)); }
  // Room for `paths` without growing: slots at most half full.
  void reserve(size_t paths) {
    owned.reserve(paths);
    size_t size = 1024;
    while (size < paths * 2) size *= 2;
    if (size <= slots.size()) return;
    slots.assign(size, 0);
    const size_t mask = slots.size() - 1;
    for (uint32_t n = 0; n < owned.size(); ++n) {
      size_t i = std::hash<std::string_view>{}(owned[n].path()) & mask;
      while (slots[i]) i = (i + 1) & mask;
      slots[i] = n + 1;
    }
  }
};

DpkgDatabase::DpkgDatabase() : index_(std::make_unique<Index>()) {}
DpkgDatabase::~DpkgDatabase() = default;
DpkgDatabase::DpkgDatabase(DpkgDatabase&&) noexcept = default;
DpkgDatabase& DpkgDatabase::operator=(DpkgDatabase&&) noexcept = default;

DpkgDatabase DpkgDatabase::load(const HostRoot& host) {
  DpkgDatabase db;
  db.host_ = &host;
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    auto st = host.lstat(top);
    if (!st || !S_ISLNK(st->st_mode)) continue;
    auto target = host.readlink(top);
    if (!target || target->empty()) continue;
    std::string resolved = target->front() == '/' ? *target : "/" + *target;
    while (resolved.size() > 1 && resolved.back() == '/') resolved.pop_back();
    db.add_alias(top, resolved);
  }
  return db;
}

DpkgDatabase::Index& DpkgDatabase::index() const {
  std::call_once(index_->read, [&] {
    if (host_) read_lists(*index_);
  });
  return *index_;
}

namespace {

constexpr std::string_view kInfo = "/var/lib/dpkg/info";

// Keeps each path of `paths` in its canonical spelling: a view into its own text when no alias applies,
// else into one text holding the list's respelled paths.
template <typename Each>
void canonical_views(const std::vector<std::pair<std::string, std::string>>& aliases,
                     const std::vector<std::string_view>& paths, std::deque<std::string>& texts, Each each) {
  auto alias_of = [&](std::string_view p) -> const std::pair<std::string, std::string>* {
    for (auto& a : aliases)
      if (under(p, a.first)) return &a;
    return nullptr;
  };
  size_t extra = 0;
  for (auto p : paths)
    if (auto* a = alias_of(p)) extra += a->second.size() + p.size() - a->first.size();
  std::string* respelled = nullptr;
  if (extra) {
    respelled = &texts.emplace_back();
    respelled->reserve(extra);  // never grows past it: the views taken below stay valid
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    auto p = paths[i];
    if (auto* a = alias_of(p)) {
      auto at = respelled->size();
      respelled->append(a->second).append(p.substr(a->first.size()));
      each(i, std::string_view(*respelled).substr(at));
    } else {
      each(i, p);
    }
  }
}

}  // namespace

void DpkgDatabase::read_lists(Index& ix) const {
  // Every list is read before any path is indexed: the table is sized once, from their lines.
  std::vector<std::pair<uint32_t, std::string*>> lists;
  size_t lines = 0;
  for (auto& e : host_->list(kInfo)) {
    std::string_view name = e.name;
    if (!name.ends_with(".list")) continue;
    auto list = host_->read(std::string(kInfo) + "/" + e.name, 64 << 20);
    if (!list) continue;
    lines += static_cast<size_t>(std::count(list->data.begin(), list->data.end(), '\n')) + 1;
    lists.emplace_back(ix.package_number(name.substr(0, name.size() - 5)),
                       &ix.texts.emplace_back(std::move(list->data)));
  }
  ix.reserve(lines + 4096);  // and the conffiles of the status file
  for (auto& [package, text] : lists)
    canonical_views(aliases_, parse_dpkg_list(*text), ix.texts,
                    [&, package = package](size_t, std::string_view path) { ix.insert(path, package); });
  if (auto status = host_->read("/var/lib/dpkg/status", 256 << 20))
    for (auto& row : parse_dpkg_status_conffiles(status->data)) {
      auto package = ix.package_number(row.package);
      auto path = canonical(row.path);
      // The status text is not kept: a conffile's path is its own string, the key of its digest.
      auto [it, added] = ix.conffiles.try_emplace(path, row.md5);
      if (added) ix.insert(it->first, package);
    }
}

const DpkgDatabase::Sums& DpkgDatabase::sums_of(uint32_t package) const {
  auto& ix = *index_;
  std::lock_guard lock(ix.sums_lock);
  if (ix.sums.size() <= package) ix.sums.resize(ix.packages.size());
  if (auto& known = ix.sums[package]) return *known;
  auto sums = std::make_unique<Sums>();
  if (package < ix.given_sums.size() && !ix.given_sums[package].empty())
    sums->text = ix.given_sums[package];
  else if (host_)
    if (auto f = host_->read(std::string(kInfo) + "/" + ix.packages[package] + ".md5sums", 64 << 20))
      sums->text = std::move(f->data);
  auto rows = parse_dpkg_md5sums(sums->text, nullptr);
  // "HEX32  usr/bin/x": the space before the relative path becomes its leading slash, in place, so the
  // absolute path is a view too (the digest before it is untouched).
  std::vector<std::string_view> paths;
  paths.reserve(rows.size());
  for (auto& row : rows) {
    auto at = static_cast<size_t>(row.path.data() - sums->text.data()) - 1;
    sums->text[at] = '/';
    paths.push_back(std::string_view(sums->text).substr(at, row.path.size() + 1));
  }
  canonical_views(aliases_, paths, sums->spellings,
                  [&](size_t i, std::string_view path) { sums->md5.emplace(path, rows[i].md5); });
  return *(ix.sums[package] = std::move(sums));
}

std::string DpkgDatabase::canonical(std::string_view path) const {
  for (auto& [from, to] : aliases_)
    if (under(path, from)) return to + std::string(path.substr(from.size()));
  return std::string(path);
}

void DpkgDatabase::add_alias(std::string from, std::string to) {
  aliases_.emplace_back(std::move(from), std::move(to));
}

void DpkgDatabase::add(std::string_view package, std::string_view list_text, std::string_view md5sums_text) {
  auto& ix = index();
  auto number = ix.package_number(package);
  if (ix.given_sums.size() <= number) ix.given_sums.resize(number + 1);
  ix.given_sums[number] = md5sums_text;
  auto& text = ix.texts.emplace_back(list_text);
  canonical_views(aliases_, parse_dpkg_list(text), ix.texts,
                  [&](size_t, std::string_view path) { ix.insert(path, number); });
}

void DpkgDatabase::add_conffile(std::string_view package, std::string_view path, std::string_view md5) {
  auto& ix = index();
  auto number = ix.package_number(package);
  auto [it, added] = ix.conffiles.try_emplace(canonical(path), md5);
  if (added) ix.insert(it->first, number);
}

size_t DpkgDatabase::packages() const { return index().packages.size(); }

bool DpkgDatabase::owns(std::string_view path) const { return index().find(canonical(path)) != Index::kNone; }

std::optional<std::string_view> DpkgDatabase::md5(std::string_view path) const {
  auto& ix = index();
  auto c = canonical(path);
  if (auto n = ix.find(c); n != Index::kNone) {
    auto& sums = sums_of(ix.owned[n].package);
    if (auto it = sums.md5.find(c); it != sums.md5.end()) return it->second;
  }
  if (auto it = ix.conffiles.find(c); it != ix.conffiles.end()) return it->second;
  return std::nullopt;
}

std::string_view DpkgDatabase::package_of(std::string_view path) const {
  auto& ix = index();
  auto n = ix.find(canonical(path));
  return n == Index::kNone ? std::string_view() : std::string_view(ix.packages[ix.owned[n].package]);
}

// Asked for a handful of names a run: a pass over the paths costs less than a table of every base name.
bool DpkgDatabase::ships_name(std::string_view name) const {
  if (name.empty()) return false;
  auto& ix = index();
  return std::any_of(ix.owned.begin(), ix.owned.end(), [&](auto& o) { return base_name(o.path()) == name; });
}

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
