#pragma once
// One read of a source feeds several sinks at once (the three digests, the stored copy, the archive):
// each sink runs on its own thread over a small ring of buffers, so hashing, copying and compressing
// overlap while memory stays bounded by ring size × chunk size whatever the file size.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace unmine {

using ChunkSink = std::function<void(const char* data, size_t n)>;

// Every chunk fanout_fd hands out starts at a multiple of this (a page): a sink may write it around the
// page cache (O_DIRECT).
constexpr size_t kChunkAlign = 4096;

struct FanoutResult {
  uint64_t bytes = 0;      // bytes read and given to every sink
  bool hit_limit = false;  // stopped at `limit` with more data behind it (the source grew)
  int read_errno = 0;      // non-zero: the read failed after `bytes` (e.g. EIO, ESRCH)
};

struct FanoutOptions {
  size_t chunk = 1 << 20;
  size_t ring = 32;
  // Stop after this many bytes (the size the file had when opened); UINT64_MAX: read to EOF.
  uint64_t limit = UINT64_MAX;
  // Called on the reading thread after each chunk with the running total (progress lines).
  std::function<void(uint64_t)> progress;
};

// Reads fd to EOF (or the limit) and hands every chunk, in order, to each sink. A sink that throws
// stops the stream; the first exception is rethrown here after every thread has joined.
FanoutResult fanout_fd(int fd, const std::vector<ChunkSink>& sinks, const FanoutOptions& options = {});

// The same for bytes already in memory (procfs texts, listings): sinks run one after the other.
void fanout_bytes(std::string_view data, const std::vector<ChunkSink>& sinks);

}  // namespace unmine
