#pragma once
// The table of subcommands: each cmd/X.cpp binds its options and sets ctx.run to a call into lib/.
#include <CLI/CLI.hpp>
#include <charconv>
#include <climits>
#include <string>

#include "cmd/context.h"
#include "core/text.h"

namespace unmine {

// A whole number from `min` to `max` (PIDs, action ids, seconds, threads), written in decimal: "010" is
// ten, not CLI11's octal eight. Refused with words a responder reads rather than CLI11's range message.
inline CLI::Validator whole_number(const std::string& what, long long min = 1, long long max = INT_MAX) {
  return CLI::Validator(
      [what, min, max](std::string& v) -> std::string {
        long long n = 0;
        auto r = std::from_chars(v.data(), v.data() + v.size(), n);
        if (r.ec != std::errc{} || r.ptr != v.data() + v.size() || n < min || n > max)
          return "expected " + what + " (a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                 "), got '" + printable(v) + "'";
        v = std::to_string(n);  // what CLI11 converts next: plain decimal
        return {};
      },
      what);
}

// A decimal number from `min` to `max` (a price): no hex, no inf or nan.
inline CLI::Validator decimal_number(const std::string& what, double min, double max) {
  return CLI::Validator(
      [what, min, max](std::string& v) -> std::string {
        double n = 0;
        auto r = std::from_chars(v.data(), v.data() + v.size(), n, std::chars_format::fixed);
        if (r.ec != std::errc{} || r.ptr != v.data() + v.size() || !(n >= min && n <= max))
          return "expected " + what + " (a number from " + std::to_string(min) + " to " + std::to_string(max) +
                 "), got '" + printable(v) + "'";
        return {};
      },
      what);
}

struct Command {
  const char* name;
  void (*add)(CLI::App& app, Context& ctx);
};

void add_validate(CLI::App&, Context&);
void add_identify(CLI::App&, Context&);
void add_preserve(CLI::App&, Context&);
void add_kill(CLI::App&, Context&);
void add_unpersist(CLI::App&, Context&);
void add_block(CLI::App&, Context&);
void add_hunt(CLI::App&, Context&);
void add_verify(CLI::App&, Context&);
void add_status(CLI::App&, Context&);
void add_report(CLI::App&, Context&);
void add_evidence(CLI::App&, Context&);
void add_case(CLI::App&, Context&);

inline constexpr Command kCommands[] = {
    {"validate", add_validate},   {"identify", add_identify}, {"preserve", add_preserve}, {"kill", add_kill},
    {"unpersist", add_unpersist}, {"block", add_block},       {"hunt", add_hunt},         {"verify", add_verify},
    {"status", add_status},       {"report", add_report},     {"evidence", add_evidence}, {"case", add_case},
};

}  // namespace unmine
