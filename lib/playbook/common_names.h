#pragma once
// Executable names too common to tie anything to the incident alone (playbooks/cryptomining/
// common_names.json): a miner renamed "sshd" or "node" must not make ssh.service or a systemd generator
// look like its persistence.
#include <string>
#include <string_view>
#include <vector>

#include "playbook/playbook.h"

namespace unmine {

class CommonNames {
 public:
  static CommonNames load(const Playbook& playbook);
  static CommonNames from_globs(std::vector<std::string> globs);
  // The whole name matches one of the playbook's names or globs ("python3.11" by "python*").
  bool matches(std::string_view name) const;

 private:
  std::vector<std::string> globs_;
};

}  // namespace unmine
