// A value at a dotted path of a simple block-style YAML document (kubelet config, manifests): enough
// for "authentication.anonymous.enabled" without a YAML library. Flow style and anchors are not read.
#include <string>
#include <vector>

#include "core/text.h"
#include "hunt/entry_services.h"

namespace unmine {

std::optional<std::string> yaml_value(std::string_view yaml, std::string_view dotted_path) {
  std::vector<std::pair<size_t, std::string>> stack;  // (indent, key)
  for (auto raw : lines(yaml)) {
    auto content = raw;
    if (auto hash = content.find(" #"); hash != std::string_view::npos) content = content.substr(0, hash);
    if (trim(content).empty() || trim(content).front() == '#' || trim(content).front() == '-') continue;
    size_t indent = content.find_first_not_of(' ');
    auto body = content.substr(indent);
    auto colon = body.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key(trim(body.substr(0, colon)));
    if (key.size() >= 2 && (key.front() == '"' || key.front() == '\'')) key = key.substr(1, key.size() - 2);
    auto value = trim(body.substr(colon + 1));
    while (!stack.empty() && stack.back().first >= indent) stack.pop_back();
    stack.emplace_back(indent, key);
    if (value.empty()) continue;
    std::string path;
    for (auto& [i, k] : stack) path += (path.empty() ? "" : ".") + k;
    if (path == dotted_path) {
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
        value = value.substr(1, value.size() - 2);
      return std::string(value);
    }
  }
  return std::nullopt;
}

}  // namespace unmine
