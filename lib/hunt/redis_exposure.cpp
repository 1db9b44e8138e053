// Redis reachable beyond loopback without a password (or with protected mode off): the classic way in
// for miners (CONFIG SET dir + a cron file or an authorized_keys line).
#include "core/text.h"
#include "hunt/config_directives.h"
#include "hunt/entry_services.h"

namespace unmine {

bool binds_beyond_loopback(std::string_view addresses) {
  size_t i = 0;
  while (i < addresses.size()) {
    while (i < addresses.size() && (addresses[i] == ' ' || addresses[i] == '\t')) ++i;
    size_t j = i;
    while (j < addresses.size() && addresses[j] != ' ' && addresses[j] != '\t') ++j;
    auto a = addresses.substr(i, j - i);
    if (!a.empty() && a.front() == '-') a.remove_prefix(1);  // "-::1": optional address
    if (!a.empty() && !a.starts_with("127.") && a != "::1" && a != "localhost") return true;
    i = j;
  }
  return false;
}

std::vector<Finding> check_redis(HuntContext& ctx) {
  std::vector<Finding> out;
  std::vector<std::string> files = {"/etc/redis/redis.conf", "/etc/redis.conf", "/usr/local/etc/redis.conf",
                                    "/etc/redis/redis-server.conf"};
  for (auto& e : ctx.host.list("/etc/redis"))
    if (e.name.ends_with(".conf") && e.name != "redis.conf" && e.name != "redis-server.conf" &&
        e.name != "sentinel.conf")
      files.push_back("/etc/redis/" + e.name);
  bool any_open = false;
  for (auto& path : files) {
    auto t = ctx.host.read(path, 4 << 20);
    if (!t) continue;
    std::optional<Directive> bind, pass, protected_mode;
    for (auto& d : parse_directives(t->data)) {
      if (d.key == "bind")
        bind = d;
      else if (d.key == "requirepass")
        pass = d;
      else if (d.key == "protected-mode")
        protected_mode = d;
    }
    bool no_pass = !pass || first_word_lower(pass->value).empty() || first_word_lower(pass->value) == "\"\"";
    bool protection_off = protected_mode && first_word_lower(protected_mode->value) == "no";
    bool exposed = bind ? binds_beyond_loopback(bind->value) : true;
    if (!no_pass) continue;
    Severity sev;
    std::string why;
    if (bind && exposed) {
      sev = Severity::critical;
      why = "binds " + printable(bind->value) + " without requirepass";
    } else if (!bind && protection_off) {
      sev = Severity::critical;
      why = "listens on every interface (no bind) with protected-mode no and no requirepass";
    } else if (!bind) {
      sev = Severity::low;
      why = "no bind and no requirepass: only protected mode keeps remote clients out";
    } else if (protection_off) {
      sev = Severity::low;
      why = "protected-mode no and no requirepass (bound to loopback)";
    } else {
      continue;
    }
    any_open |= sev == Severity::critical;
    auto f = make_finding(Group::entry_vector, "exposed.service", sev, "Redis " + why + ": " + path, "redis:" + path);
    f.path = path;
    if (bind) f.line = bind->line;
    f.evidence = {{"service", "redis"},
                  {"bind", bind ? bind->value : "(none)"},
                  {"requirepass", !no_pass},
                  {"protected_mode", protected_mode ? printable(protected_mode->value) : "yes (default)"}};
    out.push_back(std::move(f));
  }
  for (auto& s : ctx.listening) {
    if (s.local_port != 6379 || s.local_addr.starts_with("127.") || s.local_addr == "::1") continue;
    auto f = make_finding(Group::entry_vector, "exposed.service", any_open ? Severity::critical : Severity::medium,
                          "Redis port 6379 listening on " + printable(s.local_addr), "redis-listen:" + s.local_addr);
    f.evidence = {{"service", "redis"}, {"address", printable(s.local_addr)}, {"port", 6379}, {"pids", s.pids}};
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace unmine
