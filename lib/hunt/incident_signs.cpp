#include "hunt/incident_signs.h"

#include <fcntl.h>

#include <set>

#include "hunt/tree_walk.h"

namespace unmine {

std::vector<IncidentSign> incident_signs(const HostRoot& host, const std::vector<nlohmann::json>& miners,
                                         const IncidentIndicators& indicators, const std::vector<std::string>& paths) {
  std::vector<IncidentSign> out;
  std::set<std::string> files(indicators.paths.begin(), indicators.paths.end());
  files.insert(paths.begin(), paths.end());
  for (auto& m : miners) {
    if (auto s = m.find("started_at"); s != m.end() && s->is_number_integer() && s->get<int64_t>() > 0)
      out.push_back({s->get<int64_t>(), "miner pid " + std::to_string(m.value("pid", 0)) + " started"});
    for (auto* key : {"exe", "config_path"})
      if (auto p = m.find(key); p != m.end() && p->is_string() && !p->get<std::string>().empty())
        files.insert(p->get<std::string>());
  }
  for (auto& path : files) {
    if (path.empty() || path.front() != '/') continue;
    auto fd = host.open(path, O_PATH | O_NOFOLLOW);
    struct statx st {};
    if (!fd || !statx_fd(fd.get(), st)) continue;
    int64_t birth = stx_birth(st);
    if (birth) out.push_back({birth, path + " created"});
    // Not the modification time: `touch -r` and downloads that keep the server's date make it meaningless.
    out.push_back({st.stx_ctime.tv_sec, path + " changed"});
  }
  return out;
}

}  // namespace unmine
