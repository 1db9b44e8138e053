#pragma once
// The case folders this machine's unmine created. hunt passes over them (their evidence holds the miners a
// case preserved) and over nothing else: a case.db planted on the host, however well forged, does not hide
// its folder. The registry belongs to the machine running unmine, not to --root: $UNMINE_STATE_DIR, else
// /var/lib/unmine, owned by the running user (root) and writable by no one else.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace unmine {

struct RegisteredCase {
  ino_t inode = 0;   // of the case folder, so a folder made later at the same path is not taken for it
  std::string path;  // canonical path on this machine
};

struct CaseRegistry {
  std::vector<RegisteredCase> cases;
  std::string problem;  // why the registry was not read or not trusted (empty when it was)

  // Whether the open folder `dirfd` (inode `inode`) is a registered case folder.
  bool holds(int dirfd, ino_t inode) const;
};

std::filesystem::path state_dir();

// Records a case folder created by this run. Returns why it could not (empty on success).
std::string register_case_folder(const std::filesystem::path& case_dir);

CaseRegistry load_case_registry();

}  // namespace unmine
