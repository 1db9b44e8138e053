#pragma once
// A response playbook: its indicator files (lists, JSON) and step definitions. The built-in one is
// compiled into the binary (playbooks/cryptomining/); `--playbook DIR` overrides it file by file.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unmine {

class Playbook {
 public:
  // name: the built-in playbook directory name ("cryptomining"). override_dir: --playbook DIR, whose
  // files replace the built-in file of the same relative path.
  static Playbook load(std::string_view name = "cryptomining", const std::string& override_dir = {});

  const std::string& name() const { return name_; }
  const std::string& override_dir() const { return override_dir_; }  // --playbook DIR, empty for none
  // Raw text of a playbook file ("intel/falco_miner_ports.txt"); nullopt when neither source has it.
  std::optional<std::string> text(std::string_view rel) const;
  // A line list: one entry a line, '#' comments and blank lines dropped, whitespace trimmed.
  std::vector<std::string> list(std::string_view rel) const;
  // A JSON file; throws RuntimeError naming the file when it is missing or malformed.
  nlohmann::json json(std::string_view rel) const;
  // Relative paths of every file under a folder of the playbook ("rules/"), built-in and override merged.
  std::vector<std::string> files_under(std::string_view folder) const;
  // Where a file came from, for findings' evidence: "builtin:intel/x.txt" or the override's path.
  std::string source_of(std::string_view rel) const;

 private:
  std::string name_;
  std::string override_dir_;
};

}  // namespace unmine
