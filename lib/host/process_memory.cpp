#include "host/process_memory.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "core/text.h"

namespace unmine {
namespace {

bool printable_byte(unsigned char c) { return (c >= 0x20 && c < 0x7f) || c == '\t'; }

// Maps worth reading: the process's own image and its anonymous memory, never the kernel's pseudo-maps.
bool wanted(const MapRegion& r, uint64_t exe_inode) {
  if (!r.readable) return false;
  if (r.path.empty() || r.path == "[heap]" || r.path == "[stack]" || r.path.starts_with("[anon")) return true;
  return exe_inode != 0 && r.inode == exe_inode;
}

}  // namespace

std::vector<MapRegion> parse_maps(std::string_view text) {
  std::vector<MapRegion> out;
  for (auto line : lines(text)) {
    MapRegion r;
    auto dash = line.find('-');
    auto sp = line.find(' ');
    if (dash == std::string_view::npos || sp == std::string_view::npos || dash > sp) continue;
    if (std::from_chars(line.data(), line.data() + dash, r.start, 16).ec != std::errc{}) continue;
    if (std::from_chars(line.data() + dash + 1, line.data() + sp, r.end, 16).ec != std::errc{}) continue;
    r.readable = sp + 1 < line.size() && line[sp + 1] == 'r';
    // Fields after the range: perms offset dev inode, then the path (which may hold spaces).
    size_t pos = sp, fields = 1;
    while (fields < 5 && pos < line.size()) {
      while (pos < line.size() && line[pos] == ' ') ++pos;
      size_t start = pos;
      while (pos < line.size() && line[pos] != ' ') ++pos;
      if (fields == 4) std::from_chars(line.data() + start, line.data() + pos, r.inode);
      ++fields;
    }
    while (pos < line.size() && line[pos] == ' ') ++pos;
    r.path = std::string(line.substr(std::min(pos, line.size())));
    if (r.end > r.start) out.push_back(std::move(r));
  }
  return out;
}

std::optional<MemoryStrings> read_memory_strings(const HostRoot& host, int pid, uint64_t exe_inode,
                                                 const MemoryStringLimits& limits) {
  if (!host.proc_is_live()) return std::nullopt;
  auto maps = host.read_proc(std::to_string(pid) + "/maps", 8 << 20);
  auto mem = host.open_proc(std::to_string(pid) + "/mem", O_RDONLY);
  if (!maps || !mem) return std::nullopt;
  MemoryStrings out;
  std::vector<char> buf(1 << 20);
  std::string run;  // a printable run carried across chunk boundaries
  auto keep_run = [&] {
    if (run.size() >= limits.min_run && out.text.size() + run.size() + 1 <= limits.text_max) {
      out.text += run;
      out.text += '\n';
    } else if (run.size() >= limits.min_run) {
      out.truncated = true;
    }
    run.clear();
  };
  for (auto& r : parse_maps(maps->data)) {
    if (!wanted(r, exe_inode)) continue;
    if (r.end - r.start > limits.region_max) {
      out.truncated = true;
      continue;
    }
    for (uint64_t at = r.start; at < r.end;) {
      if (out.bytes_read >= limits.read_max || out.text.size() >= limits.text_max) {
        out.truncated = true;
        break;
      }
      size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), r.end - at));
      auto n = ::pread(mem.get(), buf.data(), want, static_cast<off_t>(at));
      if (n <= 0) break;  // unmapped meanwhile, or guard pages
      out.bytes_read += static_cast<uint64_t>(n);
      for (ssize_t i = 0; i < n; ++i) {
        auto c = static_cast<unsigned char>(buf[static_cast<size_t>(i)]);
        if (printable_byte(c) && run.size() < 4096)
          run += static_cast<char>(c);
        else
          keep_run();
      }
      at += static_cast<uint64_t>(n);
    }
    keep_run();
  }
  return out;
}

}  // namespace unmine
