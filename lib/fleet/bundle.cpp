#include "fleet/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>

#include "case/case_reader.h"
#include "case/fleet_store.h"
#include "core/error.h"
#include "core/fd.h"
#include "core/hashing.h"
#include "core/text.h"
#include "evidence/run_archive.h"

namespace unmine {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kManifest = "manifest.json";
constexpr uint64_t kMaxManifest = 64u << 20;

RuntimeError bundle_error(const fs::path& bundle, const std::string& what) {
  return RuntimeError("bundle " + bundle.string() + ": " + what, "bundle");
}

std::string sha256_of_file(const fs::path& p) {
  UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  auto d = fd ? hash_fd(fd.get()) : std::nullopt;
  if (!d) throw RuntimeError("cannot read " + p.string() + ": " + std::strerror(errno));
  return d->sha256;
}

// One file into the bundle, hashed as it is written. The entry's size is declared up front (tar needs it):
// a file that grows meanwhile is cut there, one that shrinks is refused.
BundleFile add_file(RunArchive& bundle, const fs::path& src, const std::string& name) {
  UniqueFd fd(::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  struct stat st {};
  if (!fd || ::fstat(fd.get(), &st) != 0)
    throw RuntimeError("cannot read " + src.string() + ": " + std::strerror(errno));
  auto size = static_cast<uint64_t>(st.st_size);
  bundle.begin_entry(name, size, st.st_mtime);
  MultiHasher h;
  std::string buf(1 << 16, '\0');
  uint64_t total = 0;
  while (total < size) {
    auto n = ::read(fd.get(), buf.data(), static_cast<size_t>(std::min<uint64_t>(buf.size(), size - total)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw RuntimeError("reading " + src.string() + ": " + std::strerror(errno));
    if (n == 0) throw RuntimeError(src.string() + " shrank while it was exported");
    bundle.write(buf.data(), static_cast<size_t>(n));
    h.update(buf.data(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  bundle.end_entry();
  return {name, h.finish().sha256, total};
}

// A member name that stays inside the extraction folder: relative, no "..", no empty or "." parts.
bool safe_member(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.size() > 4096) return false;
  size_t start = 0;
  while (start <= name.size()) {
    auto end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    auto part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == ".." || part.find('\0') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

BundleManifest parse_manifest(const fs::path& bundle, const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || j.value("format", std::string()) != "unmine-case-bundle")
    throw bundle_error(bundle, "manifest.json is not an unmine case bundle manifest");
  if (!j["version"].is_number_integer() || j["version"].get<int64_t>() > kBundleFormatVersion)
    throw bundle_error(bundle, "bundle format " + j["version"].dump() + " is newer than this unmine reads (" +
                                   std::to_string(kBundleFormatVersion) + ")");
  BundleManifest m;
  m.host = j.value("host", std::string());
  m.case_uuid = j.value("case_uuid", std::string());
  m.schema_version = j.value("schema_version", 0);
  m.unmine_version = j.value("unmine_version", std::string());
  m.created_at = j.value("created_at", std::string());
  if (!j["files"].is_array()) throw bundle_error(bundle, "manifest.json has no files list");
  for (auto& f : j["files"]) {
    if (!f.is_object() || !f["path"].is_string() || !f["sha256"].is_string() || !f["size"].is_number_unsigned())
      throw bundle_error(bundle, "manifest.json has a malformed file entry");
    m.files.push_back({f["path"].get<std::string>(), f["sha256"].get<std::string>(), f["size"].get<uint64_t>()});
  }
  return m;
}

}  // namespace

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

bool valid_host_name(std::string_view name) {
  if (name.empty() || name.size() > 253 || name == "." || name == "..") return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) return false;
  return true;
}

nlohmann::json BundleManifest::to_json_head() const {
  return {{"format", "unmine-case-bundle"}, {"version", kBundleFormatVersion},  {"host", host},
          {"case_uuid", case_uuid},         {"schema_version", schema_version}, {"unmine_version", unmine_version},
          {"created_at", created_at}};
}

std::string BundleManifest::text() const {
  auto head = to_json_head();
  std::string out = head.dump(2);
  out.resize(out.size() - 2);  // the closing "\n}"
  out += ",\n  \"files\": [";
  for (size_t i = 0; i < files.size(); ++i) {
    out += i ? ",\n    " : "\n    ";
    out += nlohmann::json{{"path", files[i].path}, {"sha256", files[i].sha256}, {"size", files[i].size}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  out += files.empty() ? "]\n}" : "\n  ]\n}";
  return out;
}

ExportResult export_case(const CaseStore& store, const std::string& host, const fs::path& out) {
  if (!valid_host_name(host))
    throw UsageError("host name '" + printable(host) +
                     "' is not usable in a bundle (letters, digits, '.', '-', '_'); give --host NAME");
  if (is_fleet_case(store))
    throw RuntimeError("this is a fleet case (merged hosts): export each host's case instead", "bundle");
  TempDir staging(fs::path(out.string() + ".staging"));
  std::error_code ec;
  fs::remove_all(staging.path(), ec);
  fs::create_directories(staging.path());
  backup_case_database(store, staging.path() / "case.db");

  ExportResult r;
  r.manifest.host = host;
  r.manifest.case_uuid = case_uuid(store);
  r.manifest.schema_version = store.schema_version();
  r.manifest.unmine_version = UNMINE_VERSION;
  r.manifest.created_at = now_iso8601();
  // Written to OUT.part (a stale one from an interrupted export is dropped) and renamed when complete.
  fs::remove(fs::path(out.string() + ".part"), ec);
  RunArchive bundle(out);
  r.manifest.files.push_back(add_file(bundle, staging.path() / "case.db", "case.db"));
  // The evidence folder as stored: content-addressed copies and run archives; never half-written files
  // (tmp/, *.part) of a run still going.
  auto ev = store.layout().evidence();
  if (fs::exists(ev)) {
    std::vector<fs::path> files;
    for (auto it = fs::recursive_directory_iterator(ev); it != fs::recursive_directory_iterator(); ++it) {
      if (it->is_directory() && it->path() == store.layout().evidence_scratch()) {
        it.disable_recursion_pending();
        continue;
      }
      if (!it->is_regular_file(ec) || it->is_symlink() || it->path().string().ends_with(".part")) continue;
      files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    r.manifest.files.reserve(r.manifest.files.size() + files.size());
    for (auto& f : files) r.manifest.files.push_back(add_file(bundle, f, fs::relative(f, store.dir()).string()));
  }
  bundle.add_file(std::string(kManifest), r.manifest.text() + "\n", ::time(nullptr));
  auto written = bundle.finish();
  r.path = out.string();
  r.sha256 = written.sha256;
  r.bytes = written.size;
  return r;
}

ReadBundle read_bundle(const fs::path& bundle, const fs::path& into) {
  if (!fs::is_regular_file(bundle)) throw bundle_error(bundle, "not a file");
  if (fs::exists(into)) throw RuntimeError("staging folder " + into.string() + " already exists");
  fs::create_directory(into);
  TempDir cleanup(into);

  std::unique_ptr<archive, int (*)(archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open_filename(a.get(), bundle.c_str(), 1 << 16) != ARCHIVE_OK)
    throw bundle_error(bundle, printable(archive_error_string(a.get()) ? archive_error_string(a.get()) : "unreadable"));

  std::map<std::string, BundleFile> got;
  std::string manifest_text;
  archive_entry* e = nullptr;
  int rc;
  while ((rc = archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    if (archive_entry_filetype(e) == AE_IFDIR) continue;
    if (archive_entry_filetype(e) != AE_IFREG || !safe_member(name))
      throw bundle_error(bundle, "member '" + printable(name) + "' is not a plain file inside the bundle");
    if (got.contains(name) || (name == kManifest && !manifest_text.empty()))
      throw bundle_error(bundle, "member '" + printable(name) + "' appears twice");
    if (name == kManifest) {
      std::string buf(1 << 16, '\0');
      la_ssize_t n;
      while ((n = archive_read_data(a.get(), buf.data(), buf.size())) > 0) {
        manifest_text.append(buf.data(), static_cast<size_t>(n));
        if (manifest_text.size() > kMaxManifest) throw bundle_error(bundle, "manifest.json is too large");
      }
      if (n < 0) throw bundle_error(bundle, "reading manifest.json: " + printable(archive_error_string(a.get())));
      continue;
    }
    auto dest = into / name;
    fs::create_directories(dest.parent_path());
    UniqueFd fd(::open(dest.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640));
    if (!fd) throw RuntimeError("cannot write " + dest.string() + ": " + std::strerror(errno));
    MultiHasher h;
    uint64_t size = 0;
    std::string buf(1 << 16, '\0');
    la_ssize_t n;
    while ((n = archive_read_data(a.get(), buf.data(), buf.size())) > 0) {
      h.update(buf.data(), static_cast<size_t>(n));
      for (la_ssize_t off = 0; off < n;) {
        auto w = ::write(fd.get(), buf.data() + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) throw RuntimeError("writing " + dest.string() + ": " + std::strerror(errno));
        off += w;
      }
      size += static_cast<uint64_t>(n);
    }
    if (n < 0)
      throw bundle_error(bundle, "reading '" + printable(name) + "': " + printable(archive_error_string(a.get())));
    got[name] = {name, h.finish().sha256, size};
  }
  if (rc != ARCHIVE_EOF)
    throw bundle_error(
        bundle, "damaged: " + printable(archive_error_string(a.get()) ? archive_error_string(a.get()) : "unreadable"));
  if (manifest_text.empty()) throw bundle_error(bundle, "no manifest.json (not a bundle made by `unmine case export`)");

  ReadBundle r;
  r.manifest = parse_manifest(bundle, manifest_text);
  for (auto& f : r.manifest.files) {
    auto it = got.find(f.path);
    if (it == got.end())
      throw bundle_error(bundle, "'" + printable(f.path) + "' is in the manifest but not in the bundle");
    if (it->second.sha256 != f.sha256 || it->second.size != f.size)
      throw bundle_error(bundle, "'" + printable(f.path) + "' does not match the manifest (sha256 " +
                                     it->second.sha256 + ", manifest says " + printable(f.sha256) + ")");
    got.erase(it);
  }
  if (!got.empty())
    throw bundle_error(bundle, "'" + printable(got.begin()->first) + "' is in the bundle but not in the manifest");
  if (!fs::exists(into / "case.db")) throw bundle_error(bundle, "holds no case.db");
  int version = case_file_schema_version(into / "case.db");
  if (version < 0) throw bundle_error(bundle, "case.db is not a readable SQLite database");
  if (version != r.manifest.schema_version)
    throw bundle_error(bundle, "case.db is schema " + std::to_string(version) + " but the manifest says " +
                                   std::to_string(r.manifest.schema_version));
  if (version > latest_schema_version())
    throw bundle_error(bundle, "the case is schema version " + std::to_string(version) +
                                   ", newer than this unmine knows (" + std::to_string(latest_schema_version()) +
                                   "): use a newer unmine");
  if (!valid_host_name(r.manifest.host))
    throw bundle_error(bundle, "manifest names an unusable host '" + printable(r.manifest.host) + "'");
  r.dir = into;
  r.sha256 = sha256_of_file(bundle);
  cleanup.release();
  return r;
}

ReadBundle import_bundle(const fs::path& bundle, const fs::path& dir) {
  if (CaseLayout(dir).exists())
    throw RuntimeError(
        dir.string() +
            " already holds a case: import into a new folder (--case DIR), or fold bundles together with `case merge`",
        "case");
  if (fs::exists(dir) && !fs::is_empty(dir))
    throw RuntimeError(dir.string() + " is not empty: import into a new folder (--case DIR)", "case");
  auto parent = fs::absolute(dir).parent_path();
  fs::create_directories(parent);
  auto staging = parent / ("." + fs::absolute(dir).filename().string() + ".import-" + std::to_string(::getpid()));
  auto r = read_bundle(bundle, staging);
  TempDir cleanup(staging);
  if (fs::exists(dir)) fs::remove(dir);
  fs::rename(staging, dir);
  cleanup.release();
  r.dir = dir;
  return r;
}

void record_export_custody(CaseStore& store, const std::string& host, const ExportResult& exported) {
  CaseStore::Transaction tx(store);
  store.custody("case.exported",
                {{"host", host}, {"bundle_sha256", exported.sha256}, {"files", exported.manifest.files.size()}});
  tx.commit();
}

void record_import_custody(CaseStore& store, const std::string& bundle, const ReadBundle& imported) {
  CaseStore::Transaction tx(store);
  store.custody("case.imported", {{"bundle", bundle},
                                  {"bundle_sha256", imported.sha256},
                                  {"host", imported.manifest.host},
                                  {"files", imported.manifest.files.size()}});
  tx.commit();
}

std::string bundle_document(const nlohmann::json& head, const BundleManifest& manifest) {
  auto text = head.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  text.resize(text.size() - 2);  // the closing "\n}"
  return text + ",\n  \"manifest\": " + manifest.text() + "\n}";
}

}  // namespace unmine
