#pragma once
// Errors carry the exit code they map to; main is the one place that turns them into exit codes.
#include <stdexcept>
#include <string>

namespace unmine {

enum class ExitCode : int {
  ok = 0,
  runtime = 1,
  usage = 2,
  refused = 3,
  found_low = 10,
  found_medium = 11,
  found_high = 12,
  found_critical = 13,
};

class Error : public std::runtime_error {
 public:
  Error(ExitCode code, std::string kind, const std::string& message)
      : std::runtime_error(message), code_(code), kind_(std::move(kind)) {}
  ExitCode code() const { return code_; }
  const std::string& kind() const { return kind_; }

 private:
  ExitCode code_;
  std::string kind_;
};

// Runtime failure: the message says what, and nothing was half-done without being recorded.
struct RuntimeError : Error {
  explicit RuntimeError(const std::string& m, std::string kind = "runtime")
      : Error(ExitCode::runtime, std::move(kind), m) {}
};
struct UsageError : Error {
  explicit UsageError(const std::string& m) : Error(ExitCode::usage, "usage", m) {}
};
// Refused for safety; the message says how to proceed (e.g. --force).
struct SafetyRefusal : Error {
  explicit SafetyRefusal(const std::string& m) : Error(ExitCode::refused, "refused", m) {}
};

}  // namespace unmine
