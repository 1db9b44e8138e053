#pragma once
// Escaping of case strings (attacker-controlled: file names, cmdlines) for the report's formats.
#include <string>
#include <string_view>

namespace unmine {

// &, <, >, ", ' as entities: safe in HTML text and attribute values.
std::string html_escape(std::string_view s);
// One Markdown table cell: HTML-escaped, '|' and '\' and backticks escaped, newlines as spaces.
std::string md_cell(std::string_view s);

}  // namespace unmine
