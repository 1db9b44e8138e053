#pragma once
// Document roots of the web servers under the root (nginx `root`, apache `DocumentRoot`, php-fpm
// `chdir`/`doc_root`), plus /var/www: where webshells are looked for whatever their times.
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

// Pure: the roots one config text names. kind: "nginx" | "apache" | "php-fpm".
std::vector<std::string> parse_web_roots(std::string_view text, std::string_view kind);

std::set<std::string> find_web_roots(const HostRoot& host);

}  // namespace unmine
