#include "actions/file_state.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

#include <climits>
#include <vector>

#include "core/error.h"
#include "core/hashing.h"
#include "core/hex.h"

namespace unmine {
namespace {

constexpr size_t kMaxEdited = 64u << 20;

struct LineSpan {
  size_t begin, end, next;  // [begin, end) without the newline; next: start of the following line
};

std::vector<LineSpan> spans(std::string_view s) {
  std::vector<LineSpan> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    size_t end = nl == std::string_view::npos ? s.size() : nl;
    out.push_back({start, end, nl == std::string_view::npos ? s.size() : nl + 1});
    start = end + 1;
  }
  return out;
}

std::string_view text_of(std::string_view s, const LineSpan& l) {
  auto t = s.substr(l.begin, l.end - l.begin);
  if (!t.empty() && t.back() == '\r') t.remove_suffix(1);
  return t;
}

std::optional<LineSpan> find_line(std::string_view content, int line, std::string_view raw) {
  auto all = spans(content);
  if (line >= 1 && static_cast<size_t>(line) <= all.size() && text_of(content, all[line - 1]) == raw)
    return all[line - 1];
  std::optional<LineSpan> found;
  for (auto& l : all)
    if (text_of(content, l) == raw) {
      if (found) return std::nullopt;  // two candidates: never guess
      found = l;
    }
  return found;
}

}  // namespace

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::optional<std::string> link_destination(const HostRoot& host, const std::string& path) {
  // The kernel resolves the chain (inside the root, as the host's own programs would see it); the open
  // descriptor's path then says where it ended.
  auto fd_path = [](const UniqueFd& fd) -> std::optional<std::string> {
    char buf[PATH_MAX];
    auto n = ::readlink(("/proc/self/fd/" + std::to_string(fd.get())).c_str(), buf, sizeof buf);
    if (!fd || n <= 0 || static_cast<size_t>(n) >= sizeof buf) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  };
  auto dest = fd_path(host.open(path, O_PATH));
  auto root = fd_path(host.open("/", O_PATH | O_DIRECTORY));
  if (!dest || !root) return std::nullopt;
  if (*root == "/") return dest;
  if (!dest->starts_with(*root + "/")) return std::nullopt;
  return dest->substr(root->size());
}

std::optional<unsigned> read_inode_flags(const HostRoot& host, const std::string& path) {
  auto fd = host.open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
  int flags = 0;
  if (!fd || ::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) != 0) return std::nullopt;
  return static_cast<unsigned>(flags);
}

std::optional<FileState> read_state(const HostRoot& host, const std::string& path) {
  auto lst = host.lstat(path);
  if (!lst) return std::nullopt;
  FileState s;
  s.st = *lst;
  if (S_ISLNK(lst->st_mode)) {
    auto target = host.readlink(path);
    if (!target) throw RuntimeError("cannot read the symlink " + path);
    s.symlink = true;
    s.content = *target;
  } else {
    auto f = host.read(path, kMaxEdited);
    if (!f) throw RuntimeError("cannot read " + path + " (not a regular file, or unreadable)");
    if (f->truncated)
      throw RuntimeError(path + " is larger than " + std::to_string(kMaxEdited >> 20) + " MiB: not edited");
    s.content = std::move(f->data);
    s.flags = read_inode_flags(host, path);
  }
  s.sha256 = sha256_hex(s.content);
  return s;
}

std::optional<std::string> remove_line(std::string_view content, int line, std::string_view raw) {
  auto l = find_line(content, line, raw);
  if (!l) return std::nullopt;
  std::string out(content.substr(0, l->begin));
  out.append(content.substr(l->next));
  return out;
}

std::optional<std::string> remove_entry(std::string_view content, int line, std::string_view raw,
                                        std::string_view entry) {
  auto l = find_line(content, line, raw);
  if (!l) return std::nullopt;
  auto text = text_of(content, *l);
  auto sep = [](char c) { return c == ' ' || c == '\t' || c == ':'; };
  for (size_t pos = text.find(entry); pos != std::string_view::npos; pos = text.find(entry, pos + 1)) {
    size_t end = pos + entry.size();
    if ((pos > 0 && !sep(text[pos - 1])) || (end < text.size() && !sep(text[end]))) continue;
    size_t cut_end = end;
    while (cut_end < text.size() && sep(text[cut_end])) ++cut_end;
    size_t cut_begin = pos;
    if (cut_end == text.size())  // the last entry: take the separator before it instead
      while (cut_begin > 0 && sep(text[cut_begin - 1])) --cut_begin;
    std::string rest = std::string(text.substr(0, cut_begin)) + std::string(text.substr(cut_end));
    if (rest.find_first_not_of(" \t:") == std::string::npos) return remove_line(content, line, raw);
    std::string out(content.substr(0, l->begin));
    out += rest;
    out.append(content.substr(l->begin + text.size()));
    return out;
  }
  return std::nullopt;
}

std::string insert_line(std::string_view content, int line, std::string_view raw) {
  auto all = spans(content);
  size_t at = (line >= 1 && static_cast<size_t>(line) <= all.size()) ? all[line - 1].begin : content.size();
  std::string out(content.substr(0, at));
  if (!out.empty() && out.back() != '\n') out += '\n';
  out.append(raw);
  out += '\n';
  out.append(content.substr(at));
  return out;
}

std::string hex_decode(std::string_view hex) {
  std::string out;
  if (!from_hex(hex, out)) throw RuntimeError("malformed hex in the case's undo data");
  return out;
}

}  // namespace unmine
