#include "actions/block.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "actions/block_export.h"
#include "actions/hosts_block.h"
#include "case/action_log.h"
#include "case/case_reader.h"
#include "core/error.h"
#include "core/hashing.h"
#include "core/text.h"
#include "evidence/evidence_store.h"

namespace unmine {
namespace {

using nlohmann::json;

constexpr size_t kMaxHostsBytes = 64u << 20;

json or_null(std::optional<int64_t> v) { return v ? json(*v) : json(nullptr); }

// An action row is written (pending, with its undo data) before the host is touched, and finished after,
// so a crash in between leaves a row that --remove still knows how to roll back.
int64_t begin_action(CaseStore& store, const std::string& kind, const json& target, const std::string& reason,
                     const json& before, std::optional<int64_t> evidence_id, const json& undo,
                     std::optional<int64_t> undo_of = std::nullopt) {
  ActionRecord a;
  a.kind = kind;
  a.target = target;
  a.reason = reason;
  a.before = before;
  a.evidence_id = evidence_id;
  a.undo = undo;
  a.undo_of = undo_of;
  return ActionLog(store).start(a, {{"target", target}});
}

void finish_action(CaseStore& store, int64_t id, const std::string& status, const json& after, const std::string& error,
                   const std::vector<int64_t>& undone = {}) {
  ActionLog(store).finish(id, status, after, error, undone, {{"undone", undone}});
}

json action_json(int64_t id, const std::string& kind, const json& target, const std::string& status,
                 std::optional<int64_t> evidence_id, const std::string& error, const json& after) {
  json a = {{"id", id}, {"kind", kind}, {"target", target}, {"status", status}};
  a["evidence_id"] = or_null(evidence_id);
  if (!error.empty()) a["error"] = printable(error);
  if (!after.is_null()) a["after"] = after;
  return a;
}

// Records an action that did not touch the host (skipped, or failed before starting) and lists it.
void record_untouched(CaseStore& store, BlockResult& result, const std::string& kind, const json& target,
                      const std::string& reason, const std::string& status, const std::string& why) {
  auto id = begin_action(store, kind, target, reason, nullptr, std::nullopt, nullptr);
  finish_action(store, id, status, nullptr, why);
  result.actions.push_back(action_json(id, kind, target, status, std::nullopt, why, nullptr));
}

json element_counts(const NftElements& e) {
  json out = json::object();
  for (auto& [set, values] : e) out[set] = values.size();
  return out;
}

std::string first_line(std::string s) {
  s = std::string(trim(s));
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// nftables is out of reach: the same block as files an operator can load elsewhere.
std::string write_fallback_exports(const BlockPlan& plan, const std::string& uuid, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "could not create " + dir + ": " + ec.message();
  ExportMeta meta{uuid, now_iso8601(), static_cast<uint32_t>(std::time(nullptr))};
  std::string written;
  for (auto format : {"nft", "iptables", "ip6tables"}) {
    auto path = (std::filesystem::path(dir) / (std::string("block.") + format)).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << render_export(format, plan, meta);
    if (!out) return "could not write " + path;
    written += (written.empty() ? "" : ", ") + path;
  }
  return "exports written to " + written;
}

const json kNftTarget = {{"table", "inet unmine"}, {"hooks", {"output", "forward"}}};

void apply_nft(Effects& effects, CaseStore& store, const BlockPlan& plan, const BlockTargets& targets,
               BlockResult& result) {
  auto skip = [&](const std::string& why, const std::string& status) {
    record_untouched(store, result, "block.nft", kNftTarget, "block", status, why);
    result.notes.push_back("nftables: " + why);
  };
  if (!targets.nft)
    return skip("the root is not the live host, so its firewall is not this kernel's: use --export nft", "skipped");
  std::string error;
  auto state = read_nft_state(effects, error);
  if (!state)
    return skip("nftables unavailable (" + first_line(error) + "); " +
                    write_fallback_exports(plan, case_uuid(store), store.layout().exports().string()),
                "failed");
  auto apply = nft_apply_document(plan, *state);
  if (apply.added.empty() && !apply.rules_written) {
    result.counters = state->counters;
    return skip("already in force: table inet unmine holds every element of the plan", "skipped");
  }
  json before = {{"table_existed", state->table_exists}, {"elements", element_counts(state->elements)}};
  json undo = state->table_exists ? json{{"delete_elements", apply.added}} : json{{"delete_table", "inet unmine"}};
  auto id = begin_action(store, "block.nft", kNftTarget, "block", before, std::nullopt, undo);
  auto r = effects.nft_json(apply.document.dump());
  if (r.exit_code != 0) {
    auto why = "nft refused the ruleset (" + first_line(r.err) + "); " +
               write_fallback_exports(plan, case_uuid(store), store.layout().exports().string());
    finish_action(store, id, "failed", nullptr, why);
    result.actions.push_back(action_json(id, "block.nft", kNftTarget, "failed", std::nullopt, why, nullptr));
    return;
  }
  json after = {{"added", apply.added}, {"rules_written", apply.rules_written}};
  finish_action(store, id, "done", after, {});
  result.actions.push_back(
      action_json(id, "block.nft", kNftTarget, "done", std::nullopt, {},
                  {{"added", element_counts(apply.added)}, {"rules_written", apply.rules_written}}));
  std::string ignored;
  if (auto now = read_nft_state(effects, ignored)) result.counters = now->counters;
}

// The bytes about to be replaced, copied into the case first (nullopt with `error` when that failed).
std::optional<int64_t> preserve_hosts(CaseStore& store, const std::string& path, const std::string& text,
                                      const struct stat& st, std::string& error) {
  EvidenceStore es(store, "block");
  auto item = es.preserve_bytes(text, ItemSource{"file", path, std::nullopt, st, "before block changed it"});
  es.finish();
  if (!item.stored()) {
    error = "could not preserve " + path + " before changing it: " + item.note;
    return std::nullopt;
  }
  return item.id;
}

// The hosts file as it is now; a symlink is followed one step inside the root so the link itself is kept.
struct HostsFile {
  std::string path;
  std::string text;
  struct stat st {};
  bool exists = false;
};

HostsFile read_hosts(const HostRoot& host) {
  HostsFile f;
  f.path = kHostsPath;
  if (auto l = host.lstat(f.path); l && S_ISLNK(l->st_mode)) {
    if (auto target = host.readlink(f.path); target && !target->empty())
      f.path = target->front() == '/' ? *target : "/etc/" + *target;
  }
  auto content = host.read(f.path, kMaxHostsBytes);
  if (!content) {
    if (host.lstat(f.path)) throw RuntimeError("cannot read " + host.host_path(f.path));
    f.st.st_mode = S_IFREG | 0644;
    return f;
  }
  if (content->truncated) throw RuntimeError(host.host_path(f.path) + " is larger than 64 MiB: not rewriting it");
  if (!S_ISREG(content->st.st_mode)) throw RuntimeError(host.host_path(f.path) + " is not a regular file");
  f.text = std::move(content->data);
  f.st = content->st;
  f.exists = true;
  return f;
}

void apply_hosts(const HostRoot& host, Effects& effects, CaseStore& store, const BlockPlan& plan, BlockResult& result) {
  json target = {{"path", kHostsPath}};
  HostsFile file;
  try {
    file = read_hosts(host);
  } catch (const Error& e) {
    record_untouched(store, result, "block.hosts", target, "block", "failed", e.what());
    return;
  }
  target["path"] = file.path;
  std::set<std::string> domains;
  for (auto& [d, why] : plan.domains) domains.insert(d);
  for (auto& f : hosts_poisoning(file.text, file.path, domains)) result.findings.push_back(std::move(f));
  auto uuid = case_uuid(store);
  auto edit = add_hosts_block(file.text, uuid, domains);
  if (edit.added.empty()) {
    std::string why =
        domains.empty() ? "no domain to sinkhole" : "already in force: the block holds every domain of the plan";
    record_untouched(store, result, "block.hosts", target, "block", "skipped", why);
    return;
  }
  std::optional<int64_t> evidence_id;
  if (file.exists) {
    std::string error;
    evidence_id = preserve_hosts(store, file.path, file.text, file.st, error);
    if (!evidence_id) {
      record_untouched(store, result, "block.hosts", target, "block", "failed", error);
      return;
    }
  }
  json before = {{"exists", file.exists},
                 {"sha256", sha256_hex(file.text)},
                 {"size", file.text.size()},
                 {"block_existed", edit.domains.size() != edit.added.size()}};
  json undo = {
      {"path", file.path}, {"case_uuid", uuid}, {"added_newline", edit.added_newline}, {"created", !file.exists}};
  auto id = begin_action(store, "block.hosts", target, "block", before, evidence_id, undo);
  try {
    effects.write_file(host, file.path, edit.content, file.st.st_mode, file.st.st_uid, file.st.st_gid);
  } catch (const Error& e) {
    finish_action(store, id, "failed", nullptr, e.what());
    result.actions.push_back(action_json(id, "block.hosts", target, "failed", evidence_id, e.what(), nullptr));
    return;
  }
  json after = {{"sha256", sha256_hex(edit.content)}, {"added", edit.added}, {"domains", edit.domains.size()}};
  finish_action(store, id, "done", after, {});
  result.actions.push_back(action_json(id, "block.hosts", target, "done", evidence_id, {},
                                       {{"added", edit.added.size()}, {"domains", edit.domains.size()}}));
}

void remove_nft(Effects& effects, CaseStore& store, const std::vector<json>& rows, const BlockTargets& targets,
                BlockResult& result) {
  if (rows.empty()) return;
  std::vector<int64_t> ids;
  bool delete_table = false;
  NftElements ours;
  for (auto& row : rows) {
    ids.push_back(row["id"].get<int64_t>());
    auto undo = json_column(row["undo"]);
    if (undo.is_object() && undo.contains("delete_table")) delete_table = true;
    if (undo.is_object() && undo.contains("delete_elements"))
      for (auto& [set, values] : undo["delete_elements"].items())
        for (auto& v : values) ours[set].insert(v.get<std::string>());
  }
  auto fail = [&](const std::string& why) {
    record_untouched(store, result, "unblock.nft", kNftTarget, "remove", "failed", why);
  };
  if (!targets.nft) return fail("the root is not the live host: run --remove on the host itself");
  std::string error;
  auto state = read_nft_state(effects, error);
  if (!state) return fail("nftables unavailable (" + first_line(error) + ")");
  json before = {{"table_existed", state->table_exists},
                 {"elements", element_counts(state->elements)},
                 {"counters", counters_json(state->counters)}};
  auto id = begin_action(store, "unblock.nft", kNftTarget, "remove", before, std::nullopt, nullptr, ids.back());
  std::string note;
  if (state->table_exists) {
    NftElements present;
    for (auto& [set, values] : ours)
      for (auto& v : values)
        if (state->elements.count(set) && state->elements.at(set).contains(v)) present[set].insert(v);
    auto doc = delete_table ? nft_delete_table_document() : nft_delete_elements_document(present);
    auto r = effects.nft_json(doc.dump());
    if (r.exit_code != 0) {
      auto why = "nft refused the removal (" + first_line(r.err) + ")";
      finish_action(store, id, "failed", nullptr, why);
      result.actions.push_back(action_json(id, "unblock.nft", kNftTarget, "failed", std::nullopt, why, nullptr));
      return;
    }
    note = delete_table ? "table inet unmine deleted" : "elements this case added deleted";
  } else {
    note = "table inet unmine was already gone";
  }
  result.counters = state->counters;
  json after = {{"removed", note}, {"undone", ids}};
  finish_action(store, id, "done", after, {}, ids);
  result.actions.push_back(action_json(id, "unblock.nft", kNftTarget, "done", std::nullopt, {}, after));
}

void remove_hosts(const HostRoot& host, Effects& effects, CaseStore& store, const std::vector<json>& rows,
                  BlockResult& result) {
  if (rows.empty()) return;
  std::vector<int64_t> ids;
  bool added_newline = false, created = false;
  std::string uuid = case_uuid(store);
  for (auto& row : rows) {
    ids.push_back(row["id"].get<int64_t>());
    auto undo = json_column(row["undo"]);
    if (!undo.is_object()) continue;
    added_newline |= undo.value("added_newline", false);
    created |= undo.value("created", false);
  }
  json target = {{"path", kHostsPath}};
  HostsFile file;
  try {
    file = read_hosts(host);
  } catch (const Error& e) {
    record_untouched(store, result, "unblock.hosts", target, "remove", "failed", e.what());
    return;
  }
  target["path"] = file.path;
  auto stripped = strip_hosts_block(file.text, uuid, added_newline);
  if (!stripped) {
    auto id = begin_action(store, "unblock.hosts", target, "remove", nullptr, std::nullopt, nullptr, ids.back());
    json after = {{"removed", "the block was already gone"}, {"undone", ids}};
    finish_action(store, id, "done", after, {}, ids);
    result.actions.push_back(action_json(id, "unblock.hosts", target, "done", std::nullopt, {}, after));
    return;
  }
  std::string error;
  auto evidence_id = preserve_hosts(store, file.path, file.text, file.st, error);
  if (!evidence_id) {
    record_untouched(store, result, "unblock.hosts", target, "remove", "failed", error);
    return;
  }
  json before = {{"sha256", sha256_hex(file.text)}, {"size", file.text.size()}};
  auto id = begin_action(store, "unblock.hosts", target, "remove", before, evidence_id, nullptr, ids.back());
  try {
    if (created && stripped->empty())
      effects.remove_file(host, file.path);
    else
      effects.write_file(host, file.path, *stripped, file.st.st_mode, file.st.st_uid, file.st.st_gid);
  } catch (const Error& e) {
    finish_action(store, id, "failed", nullptr, e.what());
    result.actions.push_back(action_json(id, "unblock.hosts", target, "failed", evidence_id, e.what(), nullptr));
    return;
  }
  json after = {{"sha256", sha256_hex(*stripped)}, {"undone", ids}};
  finish_action(store, id, "done", after, {}, ids);
  result.actions.push_back(action_json(id, "unblock.hosts", target, "done", evidence_id, {}, after));
}

}  // namespace

bool BlockResult::failed() const {
  for (auto& a : actions)
    if (a.value("status", "") == "failed") return true;
  return false;
}

std::optional<NftState> read_nft_state(Effects& effects, std::string& error) {
  auto tables = effects.nft_json(nft_list_tables_command().dump());
  if (tables.exit_code != 0) {
    error = tables.exit_code < 0 ? "cannot run /usr/sbin/nft: " + tables.err : tables.err;
    if (trim(error).empty()) error = "nft failed";
    return std::nullopt;
  }
  auto listing = json::parse(tables.out, nullptr, false);
  if (listing.is_discarded()) {
    error = "nft answered with something that is not JSON";
    return std::nullopt;
  }
  if (!nft_listing_has_our_table(listing)) return NftState{};
  auto table = effects.nft_json(nft_list_table_command().dump());
  auto parsed = json::parse(table.out, nullptr, false);
  if (table.exit_code != 0 || parsed.is_discarded()) {
    error = table.err.empty() ? "cannot list table inet unmine" : table.err;
    return std::nullopt;
  }
  return parse_nft_table_listing(parsed);
}

json counters_json(const std::map<std::string, NftCounter>& c) {
  json out = json::object();
  for (auto& [name, v] : c) out[name] = {{"packets", v.packets}, {"bytes", v.bytes}};
  return out;
}

std::string counters_text(const std::map<std::string, NftCounter>& counters) {
  std::string line;
  for (auto& [name, c] : counters)
    line += (line.empty() ? "" : ", ") + name + " " + std::to_string(c.packets) + " packets";
  return line;
}

int BlockResult::count(std::string_view status) const {
  int n = 0;
  for (auto& a : actions) n += a.value("status", "") == status;
  return n;
}

ActionFilter blocks_in_force() { return ActionFilter::of_kinds({"block.nft", "block.hosts"}, {"done", "pending"}); }

BlockResult apply_block(const HostRoot& host, CaseStore& store, Effects& effects, const BlockPlan& plan,
                        const BlockTargets& targets) {
  BlockResult result;
  apply_nft(effects, store, plan, targets, result);
  apply_hosts(host, effects, store, plan, result);
  return result;
}

BlockResult remove_block(const HostRoot& host, CaseStore& store, Effects& effects, const BlockTargets& targets) {
  BlockResult result;
  auto rows = ActionLog::rows(store, blocks_in_force());
  std::vector<json> nft_rows, hosts_rows;
  for (auto& r : rows) (r["kind"] == "block.nft" ? nft_rows : hosts_rows).push_back(r);
  if (rows.empty()) result.notes.emplace_back("this case has no block in force: nothing to remove");
  remove_nft(effects, store, nft_rows, targets, result);
  remove_hosts(host, effects, store, hosts_rows, result);
  return result;
}

}  // namespace unmine
