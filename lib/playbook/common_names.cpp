#include "playbook/common_names.h"

#include <fnmatch.h>

#include "core/error.h"

namespace unmine {

constexpr std::string_view kCommonNamesFile = "common_names.json";

CommonNames CommonNames::load(const Playbook& playbook) {
  auto j = playbook.json(kCommonNamesFile);
  try {
    return from_globs(j.at("names").get<std::vector<std::string>>());
  } catch (const nlohmann::json::exception& e) {
    throw RuntimeError("playbook " + playbook.source_of(kCommonNamesFile) + ": " + e.what());
  }
}

CommonNames CommonNames::from_globs(std::vector<std::string> globs) {
  CommonNames c;
  c.globs_ = std::move(globs);
  return c;
}

bool CommonNames::matches(std::string_view name) const {
  std::string n(name);
  for (auto& g : globs_)
    if (fnmatch(g.c_str(), n.c_str(), 0) == 0) return true;
  return false;
}

}  // namespace unmine
