#pragma once
// How results reach the user: one JSON document on stdout under --json, else readable text; colour only
// on a TTY without NO_COLOR; progress on stderr only when stderr is a TTY and not under --json.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/notices.h"
#include "model/finding.h"

namespace unmine {

class Output {
 public:
  explicit Output(bool json);

  bool json() const { return json_; }
  bool color() const { return color_; }

  // The JSON document of the command (exactly once under --json).
  void document(const nlohmann::json& doc) const;
  // The same, already serialized (a large document written as text, never held as a tree).
  void document_text(std::string_view json_text) const;
  // Human text on stdout (ignored under --json).
  void text(std::string_view s) const;
  // A table with a header row. Cells must already be printable (see core/text.h): colour codes pass through.
  void table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) const;
  // Colours the severity word when colour is on.
  std::string severity(Severity s) const;
  std::string bold(std::string_view s) const;
  // A line on stderr (warnings, notes). Always shown: stderr is never parsed.
  void note(std::string_view s) const;
  // A transient progress line on stderr (TTY only, not under --json); end with progress_done().
  void progress(std::string_view s) const;
  void progress_done() const;
  // The same, for a flow in lib/ (valid while this Output lives).
  Notices notices() const;

 private:
  bool json_;
  bool color_;
  bool progress_;
};

// The findings table every detecting command prints.
void print_findings(const Output& out, const std::vector<Finding>& findings);

// The line a command prints when a limit cut it short (its JSON says `"complete": false`); the notes name
// each limit and what it left out.
void print_cut_short(const Output& out, std::string_view command);

}  // namespace unmine
