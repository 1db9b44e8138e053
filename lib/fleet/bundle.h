#pragma once
// A case as one bundle (`case export`, `case import`, `case merge`): a tar.zst holding a consistent copy of
// case.db (SQLite's backup API, never the live file), the evidence folder, and last manifest.json naming
// every other member with its SHA-256 and size. Reading a bundle extracts it into a new folder and checks
// every member against the manifest before anything uses it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "case/case_store.h"

namespace unmine {

inline constexpr int kBundleFormatVersion = 1;

struct BundleFile {
  std::string path;  // inside the bundle: "case.db", "evidence/sha256/ab/ab…"
  std::string sha256;
  uint64_t size = 0;
};

struct BundleManifest {
  std::string host;  // the host the case is about (export --host, default the case's hostname)
  std::string case_uuid;
  int schema_version = 0;
  std::string unmine_version;
  std::string created_at;
  std::vector<BundleFile> files;
  // manifest.json: JSON text written file by file (a case of 200,000 files is never held as a tree).
  std::string text() const;

 private:
  nlohmann::json to_json_head() const;  // every field but files
};

struct ExportResult {
  BundleManifest manifest;
  std::string path;
  std::string sha256;  // of the bundle file
  uint64_t bytes = 0;
};

// Writes the bundle to `out` (through out.part, renamed when complete).
ExportResult export_case(const CaseStore& store, const std::string& host, const std::filesystem::path& out);

struct ReadBundle {
  BundleManifest manifest;
  std::filesystem::path dir;  // the extracted, checked case folder
  std::string sha256;         // of the bundle file
};

// Extracts `bundle` into `into` (which must not exist) and checks it: only plain relative members, every
// member in the manifest with its hash and size, none missing, the case schema not newer than this unmine
// knows. Throws RuntimeError naming the bundle and the problem; `into` is removed on failure.
ReadBundle read_bundle(const std::filesystem::path& bundle, const std::filesystem::path& into);

// `case import`: checks the bundle in full beside `case_dir` (which must not hold a case or anything else),
// then moves it into place in one rename: nothing is ever half-imported. The caller opens the case after.
ReadBundle import_bundle(const std::filesystem::path& bundle, const std::filesystem::path& case_dir);

// The custody rows an export and an import leave in the case they moved, each in its own transaction.
void record_export_custody(CaseStore& store, const std::string& host, const ExportResult& exported);
void record_import_custody(CaseStore& store, const std::string& bundle, const ReadBundle& imported);
// The --json document of export and import: `head` and the manifest, which joins as text (a manifest of
// 200,000 files is never held as a tree).
std::string bundle_document(const nlohmann::json& head, const BundleManifest& manifest);

// A host name usable as a folder name and a key: letters, digits, '.', '-', '_' (1 to 253 of them).
bool valid_host_name(std::string_view name);

// Removes a folder tree when the object goes out of scope (staging folders of import and merge).
class TempDir {
 public:
  explicit TempDir(std::filesystem::path p) : path_(std::move(p)) {}
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  void release() { path_.clear(); }

 private:
  std::filesystem::path path_;
};

}  // namespace unmine
