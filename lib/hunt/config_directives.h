#pragma once
// "Keyword value..." configuration files (sshd_config, redis.conf, journald.conf's key=value too):
// comments and blank lines dropped, keywords lower-cased, each with its line number.
#include <string>
#include <string_view>
#include <vector>

namespace unmine {

struct Directive {
  std::string key;    // lower-case
  std::string value;  // rest of the line, trimmed, quotes kept
  int line = 0;       // 1-based
  std::string text;   // the whole line, printable
};

// separators: the characters between keyword and value (" \t" for sshd/redis, "=" for systemd-style).
std::vector<Directive> parse_directives(std::string_view text, std::string_view separators = " \t");

// The value's first word, lower-cased ("yes", "no", "0.0.0.0").
std::string first_word_lower(std::string_view value);

}  // namespace unmine
