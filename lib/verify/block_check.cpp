#include "verify/block_check.h"

#include <set>

#include "case/case_store.h"
#include "core/text.h"
#include "host/dns.h"

namespace unmine {
namespace {

constexpr const char* kNft = "/usr/sbin/nft";

std::vector<std::string> strings_at(const nlohmann::json& obj, const char* key) {
  std::vector<std::string> out;
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_array()) return out;
  for (auto& v : obj[key])
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

Finding block_finding(const RecordedAction& a, const std::string& what, nlohmann::json evidence) {
  auto f = make_finding(Group::pool, "block.missing", Severity::low,
                        what + " (action " + std::to_string(a.id) + "): the pools are reachable again",
                        "verify-block|" + std::to_string(a.id));
  evidence["action_id"] = a.id;
  f.evidence = std::move(evidence);
  return f;
}

}  // namespace

std::vector<std::string> missing_hosts_entries(std::string_view hosts_file, const RecordedAction& a) {
  std::set<std::string> present_lines;
  for (auto raw : lines(hosts_file)) present_lines.insert(std::string(trim(raw)));
  // Names sent to a sinkhole anywhere in the file (our block, or a responder's own line) count as blocked.
  std::set<std::string> sinkholed;
  for (auto& e : parse_hosts_file(hosts_file).entries)
    if (e.sinkhole) sinkholed.insert(e.names.begin(), e.names.end());
  std::vector<std::string> missing;
  auto wanted_lines = strings_at(a.after, "lines");
  if (wanted_lines.empty()) wanted_lines = strings_at(a.target, "lines");
  for (auto& l : wanted_lines)
    if (!present_lines.contains(std::string(trim(l)))) missing.push_back(l);
  if (!wanted_lines.empty()) return missing;
  auto hosts = strings_at(a.target, "hosts");
  if (auto h = string_at(a.target, "host", ""); !h.empty()) hosts.push_back(h);
  for (auto& h : hosts)
    if (!sinkholed.contains(to_lower(h))) missing.push_back(h);
  return missing;
}

BlockCheck check_blocks(const HostRoot& host, const ToolRunner& tools, const CaseBaseline& b) {
  BlockCheck out;
  bool nft_checked = false;
  for (auto& a : b.blocks) {
    if (a.kind == "block.nft") {
      ++out.blocks;
      if (nft_checked) continue;  // one table holds every nft block
      nft_checked = true;
      auto family = string_at(a.target, "family", "inet");
      auto table = string_at(a.target, "table", "unmine");
      auto r = tools({kNft, "-j", "list", "table", family, table});
      if (r.exit_code == 0) continue;
      if (r.err.find("No such file or directory") != std::string::npos) {
        out.findings.push_back(block_finding(a, "nftables table " + family + " " + table + " is gone",
                                             {{"rule", "nft_table"}, {"table", family + " " + table}}));
      } else {
        out.notes.push_back("cannot check the nftables block (" + family + " " + table + "): " +
                            printable(r.exit_code < 0 ? "nft did not start: " + r.err : std::string(trim(r.err))));
      }
    } else if (a.kind == "block.hosts") {
      ++out.blocks;
      auto path = string_at(a.target, "path", "/etc/hosts");
      auto file = host.read(path);
      auto missing = file ? missing_hosts_entries(file->data, a) : std::vector<std::string>{"(the file is gone)"};
      if (missing.empty()) continue;
      nlohmann::json m = nlohmann::json::array();
      for (auto& x : missing) m.push_back(printable(x));
      out.findings.push_back(block_finding(a, "the sinkhole block in " + printable(path) + " is no longer intact",
                                           {{"rule", "hosts_block"}, {"missing", m}}));
      out.findings.back().path = printable(path);
    }
  }
  return out;
}

}  // namespace unmine
