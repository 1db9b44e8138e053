#include "model/incident.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/text.h"

namespace unmine {
namespace {

// A word match: the needle is not embedded in a longer name ("xmrig" in "xmrig.json" yes, in "axmrigs" no).
bool contains_word(std::string_view text, std::string_view needle) {
  auto is_word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  for (size_t pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + 1)) {
    bool left = pos == 0 || !is_word(text[pos - 1]);
    size_t end = pos + needle.size();
    bool right = end >= text.size() || !is_word(text[end]);
    if (left && right) return true;
  }
  return false;
}

// A path match: the path followed by end, a separator or a quote (so "/tmp/x" does not match "/tmp/xy").
bool contains_path(std::string_view text, std::string_view path) {
  for (size_t pos = text.find(path); pos != std::string_view::npos; pos = text.find(path, pos + 1)) {
    size_t end = pos + path.size();
    if (end >= text.size()) return true;
    char c = text[end];
    if (c == '/' || c == ' ' || c == '\t' || c == '"' || c == '\'' || c == ';' || c == '&' || c == '|' || c == ')' ||
        c == '\n' || c == '>' || c == '<' || c == ':' || c == '=')
      return true;
  }
  return false;
}

// A name ties only as a whole word of a command: a word that is the name ("kdevtmpfsi &"), or a path whose
// last component is the name ("./kdevtmpfsi", "ExecStart=/tmp/.x/kdevtmpfsi"). Never inside another word
// ("node_modules", "kdevtmpfsi2", "kdevtmpfsi.log") nor as a folder of a longer path.
bool names_command_word(std::string_view text, std::string_view name) {
  auto separator = [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) || c == ';' || c == '&' || c == '|' || c == '(' || c == ')' ||
           c == '<' || c == '>' || c == '`' || c == '"' || c == '\'' || c == '=' || c == ',' || c == ':' || c == '#' ||
           c == '[' || c == ']' || c == '{' || c == '}';
  };
  for (size_t i = 0; i < text.size();) {
    if (separator(text[i])) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && !separator(text[i])) ++i;
    auto word = text.substr(start, i - start);
    auto slash = word.rfind('/');
    if ((slash == std::string_view::npos ? word : word.substr(slash + 1)) == name) return true;
  }
  return false;
}

}  // namespace

bool is_generic_dir(std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  static constexpr std::array<std::string_view, 22> generic = {
      "/",    "/tmp",  "/var/tmp", "/dev/shm",  "/usr",  "/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin",
      "/bin", "/sbin", "/etc",     "/root",     "/home", "/var",     "/opt",      "/usr/lib",       "/lib",
      "/run", "/dev",  "/var/lib", "/usr/local"};
  if (std::find(generic.begin(), generic.end(), dir) != generic.end()) return true;
  // A user's home folder itself ("/home/alice") is too general as well.
  return dir.starts_with("/home/") && dir.find('/', 6) == std::string_view::npos;
}

bool IncidentIndicators::empty() const {
  return paths.empty() && dirs.empty() && names.empty() && sha256s.empty() && domains.empty() && ips.empty() &&
         wallets.empty() && inodes.empty();
}

void IncidentIndicators::merge(const IncidentIndicators& o) {
  paths.insert(o.paths.begin(), o.paths.end());
  dirs.insert(o.dirs.begin(), o.dirs.end());
  names.insert(o.names.begin(), o.names.end());
  sha256s.insert(o.sha256s.begin(), o.sha256s.end());
  domains.insert(o.domains.begin(), o.domains.end());
  ips.insert(o.ips.begin(), o.ips.end());
  ports.insert(o.ports.begin(), o.ports.end());
  wallets.insert(o.wallets.begin(), o.wallets.end());
  inodes.insert(o.inodes.begin(), o.inodes.end());
}

std::optional<IndicatorHit> IncidentIndicators::referenced_in(std::string_view text) const {
  for (auto& w : wallets)
    if (text.find(w) != std::string_view::npos) return IndicatorHit{"wallet", w};
  for (auto& h : sha256s)
    if (text.find(h) != std::string_view::npos) return IndicatorHit{"sha256", h};
  for (auto& p : paths)
    if (contains_path(text, p)) return IndicatorHit{"path", p};
  for (auto& d : domains)
    if (contains_word(text, d)) return IndicatorHit{"domain", d};
  // 127.0.0.1 (a local proxy), 10.x or fe80:: say nothing about which process is the miner's.
  for (auto& ip : ips)
    if (is_public_address(ip) && contains_word(text, ip)) return IndicatorHit{"ip", ip};
  for (auto& d : dirs)
    if (!is_generic_dir(d) && contains_path(text, d)) return IndicatorHit{"dir", d};
  for (auto& n : names)
    if (n.size() >= 4 && names_command_word(text, n)) return IndicatorHit{"name", n};
  return std::nullopt;
}

nlohmann::json IncidentIndicators::to_json() const {
  nlohmann::json inodes_json = nlohmann::json::array();
  for (auto& [dev, ino] : inodes) inodes_json.push_back(std::to_string(dev) + ":" + std::to_string(ino));
  return {{"paths", paths}, {"dirs", dirs},   {"names", names},     {"sha256", sha256s},    {"domains", domains},
          {"ips", ips},     {"ports", ports}, {"wallets", wallets}, {"inodes", inodes_json}};
}

}  // namespace unmine
