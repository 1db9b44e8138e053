#pragma once
// A running process's memory, read through /proc/PID/maps and /proc/PID/mem (live procfs only): what a
// packed executable unpacks itself into, and what a process builds at run time (a miner's user agent,
// its pool and wallet), is there and nowhere on disk.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/host_root.h"

namespace unmine {

struct MapRegion {
  uint64_t start = 0, end = 0;
  bool readable = false;
  uint64_t inode = 0;  // of the mapped file; 0 for anonymous memory
  std::string path;    // "" for anonymous, "[heap]", "/usr/lib/x.so", "/tmp/x (deleted)"
};
// /proc/PID/maps. Paths may hold spaces; malformed lines are skipped.
std::vector<MapRegion> parse_maps(std::string_view text);

struct MemoryStringLimits {
  uint64_t region_max = 64ull << 20;  // larger maps are left out (a miner's RandomX dataset and cache)
  uint64_t read_max = 128ull << 20;   // bytes read in all
  size_t text_max = 8u << 20;         // bytes of strings kept
  size_t min_run = 6;                 // shortest printable run kept
};

struct MemoryStrings {
  std::string text;  // printable runs, one a line
  uint64_t bytes_read = 0;
  bool truncated = false;  // a limit stopped the read
};

// The printable strings of a process's own image (maps of exe_inode) and of its anonymous memory (heap,
// stack, unnamed maps); shared libraries are left out. nullopt when the memory cannot be read (no live
// procfs, the process is gone, no permission).
std::optional<MemoryStrings> read_memory_strings(const HostRoot& host, int pid, uint64_t exe_inode,
                                                 const MemoryStringLimits& limits = {});

}  // namespace unmine
