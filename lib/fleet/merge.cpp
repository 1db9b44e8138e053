#include "fleet/merge.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "case/case_reader.h"
#include "case/fleet_store.h"
#include "core/error.h"
#include "core/fd.h"
#include "core/text.h"
#include "fleet/bundle.h"

namespace unmine {
namespace {

namespace fs = std::filesystem;

struct Staged {
  ReadBundle bundle;
  fs::path source;
  std::unique_ptr<TempDir> dir;
};

std::vector<fs::path> bundle_files(const std::vector<fs::path>& inputs) {
  std::vector<fs::path> out;
  for (auto& in : inputs) {
    if (fs::is_directory(in)) {
      std::vector<fs::path> found;
      for (auto& e : fs::directory_iterator(in))
        if (e.is_regular_file() && e.path().string().ends_with(".tar.zst")) found.push_back(e.path());
      if (found.empty()) throw RuntimeError(in.string() + ": no bundles (*.tar.zst) in this folder", "bundle");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(in)) {
      out.push_back(in);
    } else {
      throw RuntimeError(in.string() + ": no such bundle or folder", "bundle");
    }
  }
  return out;
}

void copy_into_place(const fs::path& from, const fs::path& to) {
  fs::create_directories(to.parent_path());
  auto part = fs::path(to.string() + ".part-" + std::to_string(::getpid()));
  fs::copy_file(from, part, fs::copy_options::overwrite_existing);
  fs::rename(part, to);
}

}  // namespace

nlohmann::json MergedHost::to_json() const {
  return {{"host", host},
          {"case_uuid", case_uuid},
          {"bundle", bundle},
          {"status", status},
          {"findings", findings},
          {"evidence", evidence},
          {"files_copied", files_copied}};
}

std::vector<MergedHost> merge_bundles(CaseStore& fleet, const std::vector<fs::path>& inputs) {
  auto files = bundle_files(inputs);
  auto fleet_uuid = case_uuid(fleet);

  // Read and check every bundle before anything is merged.
  std::vector<Staged> staged;
  std::map<std::string, size_t> by_host, by_uuid;
  std::vector<MergedHost> result;
  for (auto& f : files) {
    auto dir = fleet.dir() / (".merge-" + std::to_string(::getpid()) + "-" + std::to_string(staged.size()));
    std::error_code ec;
    fs::remove_all(dir, ec);
    auto b = read_bundle(f, dir);
    auto holder = std::make_unique<TempDir>(dir);
    auto& m = b.manifest;
    if (m.case_uuid == fleet_uuid) throw RuntimeError(f.string() + ": this bundle is the fleet case itself", "bundle");
    if (auto h = by_host.find(m.host); h != by_host.end()) {
      auto& other = staged[h->second];
      if (other.bundle.manifest.case_uuid != m.case_uuid)
        throw RuntimeError("two bundles name host " + m.host + " with different cases (" + other.source.string() +
                               ": " + other.bundle.manifest.case_uuid + ", " + f.string() + ": " + m.case_uuid +
                               "): rename one host or merge them apart",
                           "bundle");
      if (other.bundle.sha256 != b.sha256)
        throw RuntimeError(
            "two different bundles of host " + m.host + "'s case (" + other.source.string() + ", " + f.string() + ")",
            "bundle");
      continue;  // the same bundle given twice
    }
    if (auto u = by_uuid.find(m.case_uuid); u != by_uuid.end())
      throw RuntimeError("case " + m.case_uuid + " is in two bundles under two host names (" +
                             staged[u->second].bundle.manifest.host + ", " + m.host + ")",
                         "bundle");
    by_host[m.host] = staged.size();
    by_uuid[m.case_uuid] = staged.size();
    staged.push_back({std::move(b), f, std::move(holder)});
  }

  // Against what the fleet case already holds: the same bundle again changes nothing; anything else
  // naming a merged host or case is refused.
  std::map<std::string, MergedHostRow> by_name, by_case;
  for (auto& r : merged_hosts(fleet)) {
    by_name[r.name] = r;
    by_case[r.case_uuid] = r;
  }
  std::vector<Staged*> todo;
  for (auto& s : staged) {
    auto& m = s.bundle.manifest;
    MergedHost mh;
    mh.host = m.host;
    mh.case_uuid = m.case_uuid;
    mh.bundle = s.source.string();
    mh.status = "merged";
    auto h = by_name.find(m.host);
    auto u = by_case.find(m.case_uuid);
    if (h != by_name.end() && h->second.case_uuid != m.case_uuid)
      throw RuntimeError("host " + m.host + " is already in the fleet case with another case (" + h->second.case_uuid +
                             "); " + s.source.string() + " holds case " + m.case_uuid,
                         "bundle");
    if (u != by_case.end() && u->second.name != m.host)
      throw RuntimeError("case " + m.case_uuid + " is already in the fleet case as host " + u->second.name + "; " +
                             s.source.string() + " names it " + m.host,
                         "bundle");
    if (h != by_name.end()) {
      if (h->second.bundle_sha256 != s.bundle.sha256)
        throw RuntimeError("host " + m.host + " is already merged from another bundle of its case (" +
                               h->second.bundle_sha256.substr(0, 16) +
                               "…); merge the newer bundle into a new fleet case",
                           "bundle");
      mh.status = "unchanged";
    } else {
      todo.push_back(&s);
    }
    result.push_back(mh);
  }
  if (todo.empty()) return result;

  // Each staged case brought to this unmine's schema (an older host case is upgraded, like any case opened).
  for (auto* s : todo) {
    auto staged_case = CaseStore::open(s->bundle.dir, "cryptomining", "/");
    if (!is_single_host_case(*staged_case))
      throw RuntimeError(s->source.string() + ": a fleet case; merge the host bundles it was made from instead",
                         "bundle");
  }

  // Evidence files first (content-addressed: a copy already there is the same bytes); removed again if the
  // merge fails, so nothing is left half-merged.
  std::vector<fs::path> added;
  try {
    for (auto* s : todo) {
      auto& res =
          *std::find_if(result.begin(), result.end(), [&](auto& r) { return r.host == s->bundle.manifest.host; });
      for (auto& f : s->bundle.manifest.files) {
        if (!f.path.starts_with("evidence/")) continue;
        auto to = fleet.dir() / merged_evidence_path(s->bundle.manifest.host, f.path);
        if (fs::exists(to)) continue;
        copy_into_place(s->bundle.dir / f.path, to);
        added.push_back(to);
        ++res.files_copied;
      }
    }
    fsync_dir(fleet.layout().evidence());

    CaseStore::Transaction tx(fleet);
    for (auto* s : todo) {
      auto& m = s->bundle.manifest;
      auto& res = *std::find_if(result.begin(), result.end(), [&](auto& r) { return r.host == m.host; });
      auto copy = copy_host_case(fleet, s->bundle.dir / "case.db", m.host, s->bundle.sha256, m.schema_version);
      res.findings = copy.rows["findings"];
      res.evidence = copy.rows["evidence"];
      fleet.custody("case.merged", {{"host", m.host},
                                    {"case_uuid", m.case_uuid},
                                    {"bundle_sha256", s->bundle.sha256},
                                    {"schema_version", m.schema_version},
                                    {"rows", copy.rows},
                                    {"files_copied", res.files_copied}});
    }
    tx.commit();
  } catch (...) {
    std::error_code ec;
    for (auto& p : added) fs::remove(p, ec);
    throw;
  }
  return result;
}

}  // namespace unmine
