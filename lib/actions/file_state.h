#pragma once
// The state of one file under the root as unpersist records it before and after a change: bytes, hash,
// mode, owner, inode and inode flags (immutable, append-only), and the one-line edits it makes.
#include <sys/stat.h>

#include <optional>
#include <string>
#include <string_view>

#include "host/host_root.h"

namespace unmine {

struct FileState {
  bool symlink = false;  // content is then the link's target
  std::string content;
  struct stat st {};
  std::optional<unsigned> flags;  // FS_IOC_GETFLAGS; nullopt where the filesystem has none
  std::string sha256;
};

constexpr unsigned kProtectFlags = 0x10 | 0x20;  // FS_IMMUTABLE_FL | FS_APPEND_FL

// nullopt when the path does not exist. Throws RuntimeError when it exists but cannot be read whole.
std::optional<FileState> read_state(const HostRoot& host, const std::string& path);
std::optional<unsigned> read_inode_flags(const HostRoot& host, const std::string& path);
std::string parent_dir(const std::string& path);
// Where a symlink (chain) under the root leads, as a path inside the root; nullopt when it leads nowhere
// readable or out of the root.
std::optional<std::string> link_destination(const HostRoot& host, const std::string& path);

// Removes line `line` (1-based) when it holds exactly `raw`; else the one line elsewhere that does (the
// file changed since the scan). nullopt when no single line matches. The newline goes with the line.
std::optional<std::string> remove_line(std::string_view content, int line, std::string_view raw);
// Rewrites that line without one ld.so.preload entry (and the separator after it).
std::optional<std::string> remove_entry(std::string_view content, int line, std::string_view raw,
                                        std::string_view entry);
// Puts `raw` back as line `line` (undo when the file changed since): after line-1, or at the end.
std::string insert_line(std::string_view content, int line, std::string_view raw);

std::string hex_decode(std::string_view hex);

}  // namespace unmine
