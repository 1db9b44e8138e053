#include "hunt/log_files.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <memory>

namespace unmine {

std::optional<std::string> gunzip(std::string_view data, size_t max_bytes, bool* truncated) {
  std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
  if (!a) return std::nullopt;
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_raw(a.get());
  if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK) return std::nullopt;
  archive_entry* entry = nullptr;
  if (archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) return std::nullopt;
  if (archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_GZIP) return std::nullopt;
  std::string out;
  char buf[65536];
  for (;;) {
    auto n = archive_read_data(a.get(), buf, sizeof buf);
    if (n < 0) return out.empty() ? std::nullopt : std::optional<std::string>(out);
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      out.append(buf, max_bytes - out.size());
      if (truncated) *truncated = true;
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::vector<LogFile> read_rotated_logs(const HostRoot& host, const std::string& dir, const std::string& base,
                                       size_t max_bytes) {
  std::vector<LogFile> out;
  for (auto& e : host.list(dir)) {
    if (e.name != base && !e.name.starts_with(base + ".")) continue;
    std::string path = dir + "/" + e.name;
    auto st = host.lstat(path);
    if (!st || !S_ISREG(st->st_mode)) continue;
    auto content = host.read(path, max_bytes);
    if (!content) continue;
    LogFile f;
    f.path = path;
    f.mtime = st->st_mtime;
    f.truncated = content->truncated;
    if (e.name.ends_with(".gz")) {
      auto text = gunzip(content->data, max_bytes, &f.truncated);
      if (!text) continue;
      f.text = std::move(*text);
    } else {
      f.text = std::move(content->data);
    }
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.mtime > b.mtime; });
  return out;
}

}  // namespace unmine
