#include "evidence/fanout.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <cerrno>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

namespace unmine {
namespace {

struct AlignedDelete {
  void operator()(char* p) const { ::operator delete[](p, std::align_val_t(kChunkAlign)); }
};
using Buffer = std::unique_ptr<char[], AlignedDelete>;
Buffer aligned_buffer(size_t n) {
  return Buffer(static_cast<char*>(::operator new[](n, std::align_val_t(kChunkAlign))));
}

// Reads up to n bytes, retrying short reads and EINTR, so each chunk is full except the last.
ssize_t read_full(int fd, char* buf, size_t n, int& err) {
  size_t got = 0;
  while (got < n) {
    auto r = ::read(fd, buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      err = errno;
      break;
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  return static_cast<ssize_t>(got);
}

// A source read chunk by chunk. In a sparse file, holes are not read: their zeros are written into the
// chunk directly (reading a hole costs the kernel as much as reading data).
class Source {
 public:
  explicit Source(int fd) : fd_(fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // read once, front to back: a larger read-ahead
    if (st.st_blocks * 512 < st.st_size) {
      auto pos = ::lseek(fd, 0, SEEK_CUR);
      if (pos >= 0) {
        sparse_ = true;
        pos_ = pos;
        size_ = st.st_size;
      }
    }
  }
  ssize_t read(char* buf, size_t n, int& err) {
    if (!sparse_) return read_full(fd_, buf, n, err);
    size_t got = 0;
    while (got < n && pos_ < size_) {
      off_t data = ::lseek(fd_, pos_, SEEK_DATA);
      if (data < 0) data = size_;  // ENXIO: a hole up to the end
      if (data > pos_) {
        size_t zeros = static_cast<size_t>(std::min<off_t>(data - pos_, static_cast<off_t>(n - got)));
        std::memset(buf + got, 0, zeros);
        got += zeros;
        pos_ += static_cast<off_t>(zeros);
        continue;
      }
      off_t hole = ::lseek(fd_, pos_, SEEK_HOLE);
      if (hole < 0 || hole <= pos_) hole = size_;
      size_t want = static_cast<size_t>(std::min<off_t>(hole - pos_, static_cast<off_t>(n - got)));
      ::lseek(fd_, pos_, SEEK_SET);
      auto r = read_full(fd_, buf + got, want, err);
      got += static_cast<size_t>(r);
      pos_ += r;
      if (err || static_cast<size_t>(r) < want) break;  // shrank or failed
    }
    if (pos_ >= size_ && !err) ::lseek(fd_, pos_, SEEK_SET);  // later reads see growth past the size
    return static_cast<ssize_t>(got);
  }

 private:
  int fd_;
  bool sparse_ = false;
  off_t pos_ = 0, size_ = 0;
};

// The ring: slot i holds chunk number seq[i]; each sink thread walks the chunks in order and a slot is
// reused only once every sink has released it.
class Ring {
 public:
  Ring(size_t slots, size_t chunk, size_t sinks)
      : data_(slots), size_(slots, 0), pending_(slots, 0), sinks_(sinks), chunk_(chunk) {
    for (auto& d : data_) d = aligned_buffer(chunk);
  }

  // Producer: waits for a free slot for chunk number `seq`.
  char* acquire(uint64_t seq) {
    std::unique_lock lock(mu_);
    auto& slot = pending_[seq % data_.size()];
    cv_.wait(lock, [&] { return slot == 0 || failed_; });
    return failed_ ? nullptr : data_[seq % data_.size()].get();
  }
  void publish(uint64_t seq, size_t n) {
    std::lock_guard lock(mu_);
    size_[seq % data_.size()] = n;
    pending_[seq % data_.size()] = sinks_;
    published_ = seq + 1;
    cv_.notify_all();
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  // Consumer: the next chunk, or false at the end of the stream.
  bool next(uint64_t seq, const char*& data, size_t& n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return published_ > seq || closed_ || failed_; });
    if (failed_ || published_ <= seq) return false;
    data = data_[seq % data_.size()].get();
    n = size_[seq % data_.size()];
    return true;
  }
  void release(uint64_t seq) {
    std::lock_guard lock(mu_);
    if (--pending_[seq % data_.size()] == 0) cv_.notify_all();
  }
  void fail(std::exception_ptr e) {
    std::lock_guard lock(mu_);
    if (!error_) error_ = std::move(e);
    failed_ = true;
    cv_.notify_all();
  }
  std::exception_ptr error() {
    std::lock_guard lock(mu_);
    return error_;
  }
  size_t chunk() const { return chunk_; }

 private:
  std::vector<Buffer> data_;
  std::vector<size_t> size_;
  std::vector<size_t> pending_;
  size_t sinks_;
  size_t chunk_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t published_ = 0;
  bool closed_ = false;
  bool failed_ = false;
  std::exception_ptr error_;
};

}  // namespace

FanoutResult fanout_fd(int fd, const std::vector<ChunkSink>& sinks, const FanoutOptions& options) {
  FanoutResult result;
  const size_t chunk = options.chunk;
  auto want = [&](uint64_t done) { return static_cast<size_t>(std::min<uint64_t>(chunk, options.limit - done)); };

  // The first chunk is read before any thread starts: most items (procfs texts, scripts, configs) fit in
  // one, and run inline.
  Source src(fd);
  auto first = aligned_buffer(chunk);
  int err = 0;
  auto n = src.read(first.get(), want(0), err);
  if (static_cast<size_t>(n) < chunk || err) {
    for (auto& s : sinks) s(first.get(), static_cast<size_t>(n));
    result.bytes = static_cast<uint64_t>(n);
    result.read_errno = err;
    if (!err && result.bytes == options.limit) {
      char probe;
      result.hit_limit = ::read(fd, &probe, 1) == 1;
    }
    if (options.progress) options.progress(result.bytes);
    return result;
  }

  Ring ring(options.ring, chunk, sinks.size());
  std::vector<std::thread> threads;
  threads.reserve(sinks.size());
  for (auto& sink : sinks) {
    threads.emplace_back([&ring, &sink] {
      try {
        const char* data;
        size_t len;
        for (uint64_t seq = 0; ring.next(seq, data, len); ++seq) {
          sink(data, len);
          ring.release(seq);
        }
      } catch (...) {
        ring.fail(std::current_exception());
      }
    });
  }

  uint64_t seq = 0;
  uint64_t total = 0;
  if (char* slot = ring.acquire(seq)) {
    std::copy(first.get(), first.get() + n, slot);
    first.reset();
    total = static_cast<uint64_t>(n);
    ring.publish(seq++, static_cast<size_t>(n));
    if (options.progress) options.progress(total);
    while (total < options.limit) {
      char* buf = ring.acquire(seq);
      if (!buf) break;
      auto got = src.read(buf, want(total), err);
      if (got > 0) {
        total += static_cast<uint64_t>(got);
        ring.publish(seq++, static_cast<size_t>(got));
        if (options.progress) options.progress(total);
      }
      if (err || static_cast<size_t>(got) < chunk) break;
    }
  }
  ring.close();
  for (auto& t : threads) t.join();
  if (auto e = ring.error()) std::rethrow_exception(e);
  result.bytes = total;
  result.read_errno = err;
  if (!err && total == options.limit) {
    char probe;
    result.hit_limit = ::read(fd, &probe, 1) == 1;
  }
  return result;
}

void fanout_bytes(std::string_view data, const std::vector<ChunkSink>& sinks) {
  for (auto& s : sinks) s(data.data(), data.size());
}

}  // namespace unmine
