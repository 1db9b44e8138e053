#include "hunt/file_scan.h"

#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>

#include "case/case_store.h"
#include "core/fd.h"
#include "core/hashing.h"
#include "core/text.h"
#include "hunt/file_kind.h"
#include "hunt/work_queue.h"

namespace unmine {
namespace {

struct Job {
  UniqueFd fd;
  std::string path;
  struct statx st {};
  bool hot = false;
  bool in_window = false;
  bool managed = false;
};

constexpr size_t kBatch = 32;
// Findings the file pass keeps: a folder an attacker filled with a million scripts costs no more than
// these, and cannot crowd out the findings of other folders. The rest are counted and named in the notes.
constexpr uint64_t kMaxFindings = 10000;
constexpr uint64_t kMaxFindingsPerFolder = 500;
constexpr uint64_t kReadLimit = 4ull << 20;  // smaller files are read into a reused buffer, larger ones mapped
constexpr size_t kHeadBytes = 64u << 10;

Severity severity_from_meta(const std::map<std::string, std::string>& meta) {
  auto it = meta.find("severity");
  if (it == meta.end()) return Severity::medium;
  return parse_severity(it->second).value_or(Severity::medium);
}

nlohmann::json file_times(const struct statx& st) {
  nlohmann::json j{{"size", st.stx_size},
                   {"mode", st.stx_mode & 07777},
                   {"uid", st.stx_uid},
                   {"mtime", iso8601(st.stx_mtime.tv_sec)},
                   {"ctime", iso8601(st.stx_ctime.tv_sec)}};
  if (auto b = stx_birth(st)) j["birth"] = iso8601(b);
  return j;
}

// A view of a file's content: a reused buffer for small files, a private read-only mapping for large ones.
class Content {
 public:
  ~Content() { unmap(); }
  bool load(int fd, uint64_t size, uint64_t limit, std::vector<char>& buffer) {
    unmap();
    if (size > kReadLimit) {
      size_t want = static_cast<size_t>(std::min(size, limit));
      void* p = ::mmap(nullptr, want, PROT_READ, MAP_PRIVATE, fd, 0);
      if (p != MAP_FAILED) {
        map_ = p;
        map_len_ = want;
        view_ = std::string_view(static_cast<const char*>(p), want);
        return true;
      }
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(size, std::min<uint64_t>(limit, kReadLimit)));
    if (buffer.size() < want) buffer.resize(want);
    size_t got = 0;
    while (got < want) {
      auto n = ::pread(fd, buffer.data() + got, want - got, static_cast<off_t>(got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got == 0 && want > 0) return false;
    view_ = std::string_view(buffer.data(), got);
    return true;
  }
  std::string_view view() const { return view_; }

 private:
  void* map_ = nullptr;
  size_t map_len_ = 0;
  std::string_view view_;
  void unmap() {
    if (map_) ::munmap(map_, map_len_);
    map_ = nullptr;
  }
};

std::string md5_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out, &n, EVP_md5(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (unsigned i = 0; i < n; ++i) {
    s += hex[out[i] >> 4];
    s += hex[out[i] & 15];
  }
  return s;
}

class FileScanner {
 public:
  FileScanner(const HostRoot& host, const FileScanConfig& c) : host_(host), c_(c), queue_(64) {}

  FileScanResult run() {
    auto t0 = std::chrono::steady_clock::now();
    unsigned n = std::max(1u, c_.threads);
    std::vector<std::thread> workers;
    for (unsigned i = 0; i < n; ++i) workers.emplace_back([this] { work(); });
    for (auto& start : c_.starts) {
      auto s = walk_tree(host_, start, c_.walk, [this](const WalkedFile& f) { visit(f); });
      result_.stats.walk.dirs += s.dirs;
      result_.stats.walk.files += s.files;
      result_.stats.walk.unreadable_dirs += s.unreadable_dirs;
      result_.stats.walk.pseudo_fs_skipped += s.pseudo_fs_skipped;
      result_.stats.walk.too_deep += s.too_deep;
      for (auto& f : s.case_folders) result_.stats.walk.case_folders.push_back(f);
      for (auto& f : s.unregistered_case_folders) result_.stats.walk.unregistered_case_folders.push_back(f);
      for (auto& f : s.deep_folders) result_.stats.walk.deep_folders.push_back(f);
    }
    flush();
    queue_.close();
    for (auto& w : workers) w.join();
    result_.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    note_left_out();
    if (result_.stats.too_large)
      result_.notes.push_back(std::to_string(result_.stats.too_large) + " file(s) larger than " +
                              std::to_string(c_.max_scan_bytes >> 20) + " MiB: only their first bytes were checked");
    for (auto& f : result_.stats.walk.case_folders)
      result_.notes.push_back("not entered: " + printable(f) +
                              " holds an unmine case (its evidence holds what it preserved)");
    for (auto& f : result_.stats.walk.unregistered_case_folders)
      result_.notes.push_back("scanned: " + printable(f) +
                              " holds an unmine case database that no case of this machine "
                              "registered (a planted one must not hide its folder)");
    if (result_.stats.walk.too_deep) {
      std::string named;
      for (auto& f : result_.stats.walk.deep_folders) named += (named.empty() ? "" : ", ") + printable(f);
      result_.notes.push_back(std::to_string(result_.stats.walk.too_deep) + " folder(s) nested deeper than " +
                              std::to_string(c_.walk.max_depth) + " levels were not entered: " + named +
                              (result_.stats.walk.too_deep > result_.stats.walk.deep_folders.size() ? ", ..." : ""));
    }
    return std::move(result_);
  }

 private:
  const HostRoot& host_;
  const FileScanConfig& c_;
  WorkQueue<std::vector<Job>> queue_;
  std::vector<Job> batch_;
  std::mutex mu_;
  FileScanResult result_;
  uint64_t walked_ = 0, queued_ = 0;
  // Under mu_: findings kept per folder (only folders with kept ones), and what the limits left out.
  uint64_t kept_ = 0;
  std::map<std::string, uint64_t> kept_in_folder_, left_in_folder_;
  std::map<std::string, uint64_t> left_by_kind_;

  // Whether a finding on `path` fits the limits (counted either way). Called with mu_ held.
  bool admit(const std::string& path, const std::string& kind) {
    if (kept_ < kMaxFindings) {
      auto folder = path.substr(0, path.rfind('/'));
      auto& in_folder = kept_in_folder_[folder];
      if (in_folder < kMaxFindingsPerFolder) {
        ++in_folder;
        ++kept_;
        return true;
      }
      ++left_in_folder_[folder];
    }
    ++left_by_kind_[kind];
    ++result_.stats.findings_left_out;
    return false;
  }

  void note_left_out() {
    for (auto& [folder, n] : left_in_folder_)
      result_.notes.push_back("limit reached: " + printable(folder.empty() ? "/" : folder) + " gave " +
                              std::to_string(n) + " more findings than the " + std::to_string(kMaxFindingsPerFolder) +
                              " kept for one folder; they are left out");
    if (result_.stats.findings_left_out == 0) return;
    std::string kinds;
    for (auto& [kind, n] : left_by_kind_) kinds += (kinds.empty() ? "" : ", ") + kind + " " + std::to_string(n);
    result_.notes.push_back("limit reached: the file pass left out " + std::to_string(result_.stats.findings_left_out) +
                            " findings (" + kinds + "); it keeps " + std::to_string(kMaxFindings) + " at most, " +
                            std::to_string(kMaxFindingsPerFolder) + " a folder");
  }

  void flush() {
    if (batch_.empty()) return;
    queue_.push(std::move(batch_));
    batch_.clear();  // moved-from: valid, made empty
    batch_.reserve(kBatch);
  }

  void add(const std::string& path, Finding f) {
    std::lock_guard lock(mu_);
    if (admit(path, f.kind)) result_.findings.push_back(std::move(f));
  }

  void visit(const WalkedFile& f) {
    const auto& st = *f.st;
    if (c_.skip_inodes.count({makedev(st.stx_dev_major, st.stx_dev_minor), st.stx_ino})) return;
    if (++walked_ % 20000 == 0 && c_.progress) c_.progress(walked_, queued_);
    bool managed = c_.dpkg && c_.dpkg->owns(f.path);
    check_scanner_name(f, managed);
    bool in_window = c_.window.contains(st.stx_ctime.tv_sec) || c_.window.contains(st.stx_mtime.tv_sec);
    bool verify = managed && c_.always_verify.count(std::string(f.path));
    if (!in_window && !f.hot && !verify) return;
    if (st.stx_size == 0) return;
    int fd = open_noatime(f.dirfd, f.name.data());
    if (fd < 0) {
      std::lock_guard lock(mu_);
      ++result_.stats.unreadable;
      return;
    }
    Job j;
    j.fd.reset(fd);
    j.path = std::string(f.path);
    j.st = st;
    j.hot = f.hot;
    j.in_window = in_window;
    j.managed = managed;
    batch_.push_back(std::move(j));
    ++queued_;
    if (batch_.size() >= kBatch) flush();
  }

  void check_scanner_name(const WalkedFile& f, bool managed) {
    if (c_.scanner_names.empty()) return;
    auto lower = to_lower(f.name);
    if (!c_.scanner_names.count(lower)) return;
    std::string path(f.path);
    auto sev = managed ? Severity::low : Severity::high;
    auto fi = make_finding(Group::tooling, "tool.scanner", sev,
                           "network scanner " + printable(lower) +
                               (managed ? " installed from a package: " : " (not from a package): ") + printable(path),
                           path + '\0' + "name");
    fi.path = printable(path);
    fi.evidence = {{"matched", "name"}, {"name", lower}, {"file", file_times(*f.st)}};
    if (managed) fi.evidence["package"] = std::string(c_.dpkg->package_of(path));
    add(path, std::move(fi));
  }

  void work() {
    std::unique_ptr<YaraScanner> yara;
    if (c_.rules) yara = std::make_unique<YaraScanner>(c_.rules);
    std::vector<char> buffer;
    Content content;
    std::vector<Finding> local;
    uint64_t scanned = 0, bytes = 0, too_large = 0, unreadable = 0, yara_errors = 0;
    while (auto jobs = queue_.pop()) {
      for (auto& j : *jobs) {
        uint64_t size = j.st.stx_size;
        bool large = size > c_.max_scan_bytes;
        if (!content.load(j.fd.get(), size, large ? kHeadBytes : c_.max_scan_bytes, buffer)) {
          ++unreadable;
          continue;
        }
        j.fd.reset();
        ++scanned;
        bytes += content.view().size();
        if (large) ++too_large;
        size_t before = local.size();
        inspect(j, content.view(), large, yara.get(), local, yara_errors);
        if (local.size() > before) {
          std::lock_guard lock(mu_);
          auto kept = std::remove_if(local.begin() + static_cast<std::ptrdiff_t>(before), local.end(),
                                     [&](const Finding& f) { return !admit(j.path, f.kind); });
          local.erase(kept, local.end());
        }
      }
    }
    std::lock_guard lock(mu_);
    for (auto& f : local) result_.findings.push_back(std::move(f));
    result_.stats.files_scanned += scanned;
    result_.stats.bytes_scanned += bytes;
    result_.stats.too_large += too_large;
    result_.stats.unreadable += unreadable;
    result_.stats.yara_errors += yara_errors;
  }

  void inspect(const Job& j, std::string_view data, bool head_only, YaraScanner* yara, std::vector<Finding>& out,
               uint64_t& yara_errors) {
    auto cls = classify_file(data.substr(0, 256));
    bool executable = cls.kind != FileKind::other;
    std::string sha256;
    auto digest = [&]() -> const std::string& {
      if (sha256.empty() && !head_only) sha256 = sha256_hex(data);
      return sha256;
    };
    std::string shown = printable(j.path);
    bool incident = c_.incident_paths.count(j.path) > 0;
    // A package's file whose MD5 is still the one dpkg recorded holds what the package shipped: the rules
    // are not run over it (most of a host's files); a changed one is scanned and reported.
    std::optional<std::string_view> package_md5;
    std::string md5_now;
    if (j.managed && !head_only && c_.dpkg && (package_md5 = c_.dpkg->md5(j.path))) {
      md5_now = md5_hex(data);
      if (md5_now == *package_md5) return;
    }

    if (yara && !head_only) {
      std::string err;
      for (auto& m : yara->scan(data.data(), data.size(), &err)) {
        auto group = parse_group(m.meta.count("group") ? m.meta.at("group") : "tooling").value_or(Group::tooling);
        std::string kind = m.meta.count("kind") ? m.meta.at("kind") : "yara";
        std::string what = m.meta.count("description") ? m.meta.at("description") : m.rule;
        auto f = make_finding(group, kind, severity_from_meta(m.meta), what + ": " + shown, j.path + '\0' + m.rule);
        f.path = shown;
        nlohmann::json strings = nlohmann::json::array();
        for (auto& h : m.hits) strings.push_back({{"id", h.id}, {"offset", h.offset}, {"data", h.data}});
        f.evidence = {{"rule", m.rule},     {"rules_file", m.ns},       {"strings", strings},
                      {"sha256", digest()}, {"file", file_times(j.st)}, {"in_window", j.in_window}};
        if (!m.tags.empty()) f.evidence["tags"] = m.tags;
        if (incident) f.evidence["incident_file"] = true;
        out.push_back(std::move(f));
      }
      if (!err.empty()) ++yara_errors;
    }

    if (j.managed) {
      if (package_md5) report_package_modified(j, data, *package_md5, md5_now, cls, out);
      return;
    }
    if (!executable) return;
    auto build_id = cls.kind == FileKind::elf ? elf_build_id(data) : std::nullopt;
    if (cls.kind == FileKind::elf && c_.tools) {
      if (auto* t = c_.tools->copy_of(j.path, j.st.stx_size, build_id, digest())) {
        auto f = make_finding(Group::tooling, "tool.renamed_system_tool", Severity::high,
                              "copy of " + t->path + " at another path: " + shown, j.path + '\0' + t->name);
        f.path = shown;
        f.evidence = {{"tool", t->name},
                      {"tool_path", t->path},
                      {"sha256", digest()},
                      {"file", file_times(j.st)},
                      {"matched", build_id && t->build_id && *build_id == *t->build_id ? "build_id" : "sha256"}};
        if (build_id) f.evidence["build_id"] = *build_id;
        out.push_back(std::move(f));
      }
    }
    if (!digest().empty()) {
      if (auto it = c_.tool_hashes.find(digest()); it != c_.tool_hashes.end()) {
        auto f = make_finding(Group::tooling, "tool.scanner", Severity::high,
                              "known attacker tool " + printable(it->second) + " (by hash): " + shown,
                              j.path + '\0' + "sha256");
        f.path = shown;
        f.evidence = {{"matched", "sha256"}, {"tool", it->second}, {"sha256", digest()}, {"file", file_times(j.st)}};
        out.push_back(std::move(f));
      }
    }
    if (j.in_window) {
      bool elf = cls.kind == FileKind::elf;
      auto sev = elf ? (j.hot ? Severity::high : Severity::medium) : (j.hot ? Severity::medium : Severity::low);
      int64_t birth = stx_birth(j.st);
      bool created = birth && c_.window.contains(birth);
      auto f = make_finding(Group::tooling, "file.new_binary", sev,
                            std::string(elf ? "ELF executable" : "script") + (created ? " created" : " changed") +
                                " in the compromise window, not from a package: " + shown,
                            j.path);
      f.path = shown;
      f.evidence = {{"type", to_string(cls.kind)},
                    {"file", file_times(j.st)},
                    {"created_in_window", created},
                    {"time_source", birth ? "birth" : "ctime/mtime"}};
      if (!sha256.empty() || !head_only) f.evidence["sha256"] = digest();
      if (!cls.interpreter.empty()) f.evidence["interpreter"] = cls.interpreter;
      if (build_id) f.evidence["build_id"] = *build_id;
      if (head_only) f.evidence["note"] = "too large to scan whole";
      if (incident) f.evidence["incident_file"] = true;
      out.push_back(std::move(f));
      check_timestomp(j, cls, shown, out);
    }
  }

  void report_package_modified(const Job& j, std::string_view data, std::string_view want, const std::string& got,
                               const FileClass& cls, std::vector<Finding>& out) {
    bool elf = cls.kind == FileKind::elf;
    auto sev = elf ? Severity::high : cls.kind == FileKind::script ? Severity::medium : Severity::low;
    auto f = make_finding(Group::tooling, "file.package_modified", sev,
                          "package file differs from what " + std::string(c_.dpkg->package_of(j.path)) +
                              " installed (MD5 mismatch): " + printable(j.path),
                          j.path);
    f.path = printable(j.path);
    f.evidence = {{"package", std::string(c_.dpkg->package_of(j.path))},
                  {"md5_expected", std::string(want)},
                  {"md5_actual", got},
                  {"sha256", sha256_hex(data)},
                  {"type", to_string(cls.kind)},
                  {"file", file_times(j.st)}};
    out.push_back(std::move(f));
  }

  // `touch -r` / `touch -d` leave the change time (and birth time) telling the truth: a new executable
  // whose modification time is far older than its creation was backdated.
  void check_timestomp(const Job& j, const FileClass& cls, const std::string& shown, std::vector<Finding>& out) {
    int64_t birth = stx_birth(j.st);
    int64_t mtime = j.st.stx_mtime.tv_sec;
    int64_t ctime = j.st.stx_ctime.tv_sec;
    int64_t reference = birth ? birth : ctime;
    int64_t gap = reference - mtime;
    if (gap < (birth ? 86400 : 30 * 86400)) return;
    auto sev = j.hot ? Severity::medium : Severity::low;
    auto f = make_finding(Group::hiding, "file.timestomped", sev,
                          std::string(to_string(cls.kind)) + " modification time is " + std::to_string(gap / 86400) +
                              " days older than its " + (birth ? "creation" : "change") + " time: " + shown,
                          j.path);
    f.path = shown;
    f.evidence = {{"file", file_times(j.st)}, {"gap_seconds", gap}, {"compared_with", birth ? "birth" : "ctime"}};
    out.push_back(std::move(f));
  }
};

}  // namespace

nlohmann::json FileScanStats::to_json() const {
  return {{"dirs", walk.dirs},
          {"files_walked", walk.files},
          {"files_scanned", files_scanned},
          {"bytes_scanned", bytes_scanned},
          {"too_large", too_large},
          {"unreadable", unreadable + walk.unreadable_dirs},
          {"yara_errors", yara_errors},
          {"seconds", seconds},
          {"case_folders_skipped", walk.case_folders.size()},
          {"unregistered_case_folders", walk.unregistered_case_folders.size()},
          {"too_deep", walk.too_deep},
          {"findings_left_out", findings_left_out}};
}

FileScanResult scan_files(const HostRoot& host, const FileScanConfig& config) {
  return FileScanner(host, config).run();
}

}  // namespace unmine
