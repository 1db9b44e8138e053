#include "playbook/playbook.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/embedded.h"
#include "core/error.h"
#include "core/text.h"

namespace unmine {
namespace {

std::string builtin_prefix(std::string_view name) { return "playbooks/" + std::string(name) + "/"; }

std::optional<std::string> read_override(const std::string& dir, std::string_view rel) {
  if (dir.empty()) return std::nullopt;
  std::ifstream in(std::filesystem::path(dir) / std::string(rel), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Playbook Playbook::load(std::string_view name, const std::string& override_dir) {
  Playbook p;
  p.name_ = std::string(name);
  p.override_dir_ = override_dir;
  if (!override_dir.empty() && !std::filesystem::is_directory(override_dir))
    throw UsageError("--playbook " + override_dir + ": not a directory");
  bool builtin = std::any_of(embedded_files().begin(), embedded_files().end(),
                             [&](auto& f) { return f.path.starts_with(builtin_prefix(name)); });
  if (!builtin && override_dir.empty()) throw UsageError("no playbook named " + std::string(name));
  return p;
}

std::optional<std::string> Playbook::text(std::string_view rel) const {
  if (auto o = read_override(override_dir_, rel)) return o;
  auto want = builtin_prefix(name_) + std::string(rel);
  for (auto& f : embedded_files())
    if (f.path == want) return std::string(f.data);
  return std::nullopt;
}

std::vector<std::string> Playbook::list(std::string_view rel) const {
  std::vector<std::string> out;
  auto t = text(rel);
  if (!t) return out;
  for (auto line : lines(*t)) {
    auto hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (!line.empty()) out.emplace_back(line);
  }
  return out;
}

nlohmann::json Playbook::json(std::string_view rel) const {
  auto t = text(rel);
  if (!t) throw RuntimeError("playbook " + name_ + ": missing " + std::string(rel));
  try {
    return nlohmann::json::parse(*t);
  } catch (const nlohmann::json::parse_error& e) {
    throw RuntimeError("playbook " + source_of(rel) + ": " + e.what());
  }
}

std::vector<std::string> Playbook::files_under(std::string_view folder) const {
  std::set<std::string> out;
  auto prefix = builtin_prefix(name_) + std::string(folder);
  for (auto& f : embedded_files())
    if (f.path.starts_with(prefix)) out.insert(std::string(f.path.substr(builtin_prefix(name_).size())));
  if (!override_dir_.empty()) {
    std::error_code ec;
    auto base = std::filesystem::path(override_dir_);
    for (auto it = std::filesystem::recursive_directory_iterator(base / std::string(folder), ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file()) out.insert(std::filesystem::relative(it->path(), base).string());
  }
  return {out.begin(), out.end()};
}

std::string Playbook::source_of(std::string_view rel) const {
  if (!override_dir_.empty() && std::filesystem::exists(std::filesystem::path(override_dir_) / std::string(rel)))
    return (std::filesystem::path(override_dir_) / std::string(rel)).string();
  return "builtin:" + name_ + "/" + std::string(rel);
}

}  // namespace unmine
