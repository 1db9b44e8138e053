#pragma once
// The case folder, known in this one place: case.db (the SQLite database), evidence/ (stored copies by
// content, the runs' archives, scratch files) and exports/ (firewall rules written when they cannot be
// applied). Paths recorded in the database (evidence.stored_path, archives.stored_path) are relative to
// the folder.
#include <filesystem>
#include <string>
#include <string_view>

namespace unmine {

class CaseLayout {
 public:
  explicit CaseLayout(std::filesystem::path dir) : dir_(std::move(dir)) {}

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path database() const;
  std::filesystem::path evidence() const { return dir_ / kEvidence; }
  // Files being copied and scratch files; a run removes the ones its dead predecessors left.
  std::filesystem::path evidence_scratch() const { return evidence() / "tmp"; }
  std::filesystem::path exports() const { return dir_ / "exports"; }
  // A path the database records (relative to the folder), made absolute.
  std::filesystem::path resolve(const std::string& recorded) const { return dir_ / recorded; }

  // Recorded (relative) paths of a stored copy, by content, and of a run's archive.
  static std::string stored_copy(std::string_view sha256);
  static std::string archive(std::string_view name);

  // True when the folder holds a case database.
  bool exists() const;
  // Throws "no case at DIR" unless it does: commands that only read a case never create one (that would
  // start the time boxes' clock on an empty case).
  void require_existing() const;

 private:
  static constexpr std::string_view kEvidence = "evidence";
  std::filesystem::path dir_;
};

}  // namespace unmine
