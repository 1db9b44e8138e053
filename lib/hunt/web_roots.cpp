#include "hunt/web_roots.h"

#include "core/text.h"

namespace unmine {
namespace {

std::string unquote(std::string_view v) {
  v = trim(v);
  while (!v.empty() && (v.back() == ';')) v.remove_suffix(1);
  v = trim(v);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
  return std::string(v);
}

}  // namespace

std::vector<std::string> parse_web_roots(std::string_view text, std::string_view kind) {
  std::vector<std::string> out;
  for (auto raw : lines(text)) {
    auto line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    std::string value;
    if (kind == "nginx" && (line.starts_with("root ") || line.starts_with("root\t"))) {
      value = unquote(line.substr(5));
    } else if (kind == "apache" && starts_with_icase(line, "DocumentRoot")) {
      value = unquote(line.substr(12));
    } else if (kind == "php-fpm") {
      auto eq = line.find('=');
      if (eq == std::string_view::npos) continue;
      auto key = trim(line.substr(0, eq));
      if (key == "chdir" || key == "php_admin_value[doc_root]" || key == "php_value[doc_root]")
        value = unquote(line.substr(eq + 1));
    }
    // Variables ($document_root, ${APACHE_ROOT}) cannot be resolved here.
    if (!value.empty() && value.front() == '/' && value.find('$') == std::string::npos) {
      while (value.size() > 1 && value.back() == '/') value.pop_back();
      out.push_back(value);
    }
  }
  return out;
}

std::set<std::string> find_web_roots(const HostRoot& host) {
  std::set<std::string> out = {"/var/www", "/srv/www", "/usr/share/nginx/html"};
  auto read_dir = [&](const std::string& dir, std::string_view kind, std::string_view suffix) {
    for (auto& e : host.list(dir))
      if (suffix.empty() || std::string_view(e.name).ends_with(suffix))
        if (auto t = host.read(dir + "/" + e.name, 4 << 20))
          for (auto& r : parse_web_roots(t->data, kind)) out.insert(r);
  };
  auto read_file = [&](const std::string& path, std::string_view kind) {
    if (auto t = host.read(path, 4 << 20))
      for (auto& r : parse_web_roots(t->data, kind)) out.insert(r);
  };
  read_file("/etc/nginx/nginx.conf", "nginx");
  read_dir("/etc/nginx/sites-enabled", "nginx", "");
  read_dir("/etc/nginx/conf.d", "nginx", ".conf");
  read_file("/etc/apache2/apache2.conf", "apache");
  read_dir("/etc/apache2/sites-enabled", "apache", "");
  read_file("/etc/httpd/conf/httpd.conf", "apache");
  read_dir("/etc/httpd/conf.d", "apache", ".conf");
  for (auto& v : host.list("/etc/php")) read_dir("/etc/php/" + v.name + "/fpm/pool.d", "php-fpm", ".conf");
  return out;
}

}  // namespace unmine
