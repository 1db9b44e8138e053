#include "hunt/dpkg_db.h"

#include <algorithm>

#include "core/text.h"

namespace unmine {
namespace {

bool is_hex32(std::string_view s) {
  return s.size() == 32 && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::vector<std::string_view> parse_dpkg_list(std::string_view text) {
  std::vector<std::string_view> out;
  for (auto line : lines(text))
    if (!line.empty() && line.front() == '/' && line != "/." ) out.push_back(line);
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

DpkgDatabase DpkgDatabase::load(const HostRoot& host) {
  DpkgDatabase db;
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    auto st = host.lstat(top);
    if (!st || !S_ISLNK(st->st_mode)) continue;
    auto target = host.readlink(top);
    if (!target || target->empty()) continue;
    std::string resolved = target->front() == '/' ? *target : "/" + *target;
    while (resolved.size() > 1 && resolved.back() == '/') resolved.pop_back();
    db.aliases_.emplace_back(top, resolved);
  }
  const std::string info = "/var/lib/dpkg/info";
  for (auto& e : host.list(info)) {
    std::string_view name = e.name;
    if (!name.ends_with(".list")) continue;
    auto pkg = name.substr(0, name.size() - 5);
    auto list = host.read(info + "/" + e.name, 64 << 20);
    if (!list) continue;
    auto sums = host.read(info + "/" + std::string(pkg) + ".md5sums", 64 << 20);
    db.add(pkg, list->data, sums ? std::string_view(sums->data) : std::string_view());
  }
  return db;
}

void DpkgDatabase::insert_path(std::string path, uint32_t pkg) {
  for (auto& [from, to] : aliases_)
    if (path.starts_with(from) && (path.size() == from.size() || path[from.size()] == '/'))
      owner_.emplace(to + path.substr(from.size()), pkg);
  owner_.emplace(std::move(path), pkg);
}

void DpkgDatabase::add(std::string_view package, std::string_view list_text, std::string_view md5sums_text) {
  auto idx = static_cast<uint32_t>(package_names_.size());
  package_names_.emplace_back(package);
  ++packages_;
  for (auto p : parse_dpkg_list(list_text)) insert_path(std::string(p), idx);
  for (auto& row : parse_dpkg_md5sums(md5sums_text, nullptr)) {
    std::string path = "/" + std::string(row.path);
    for (auto& [from, to] : aliases_)
      if (path.starts_with(from + "/")) md5_.emplace(to + path.substr(from.size()), row.md5);
    md5_.emplace(std::move(path), row.md5);
  }
}

bool DpkgDatabase::owns(std::string_view path) const { return owner_.count(std::string(path)) > 0; }

std::optional<std::string_view> DpkgDatabase::md5(std::string_view path) const {
  auto it = md5_.find(std::string(path));
  if (it == md5_.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::string_view DpkgDatabase::package_of(std::string_view path) const {
  auto it = owner_.find(std::string(path));
  return it == owner_.end() ? std::string_view() : std::string_view(package_names_[it->second]);
}

}  // namespace unmine
