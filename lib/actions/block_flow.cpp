#include "actions/block_flow.h"

#include <ctime>
#include <filesystem>
#include <fstream>

#include "actions/block_export.h"
#include "actions/block_intel.h"
#include "actions/host_needs.h"
#include "case/case_reader.h"
#include "case/indicators_store.h"
#include "core/error.h"
#include "core/hashing.h"
#include "detect/triage.h"

namespace unmine {

using nlohmann::json;

json kept_items(const BlockPlan& plan) {
  json out = json::array();
  for (auto& [address, why] : plan.kept) out.push_back({{"address", address}, {"why", why}});
  return out;
}

std::string kept_summary(const BlockPlan& plan) {
  std::string line;
  for (auto& [address, why] : plan.kept) line += (line.empty() ? "" : ", ") + address + " (" + why + ")";
  return line.empty() ? line : "Never dropped: " + line + "\n";
}

json block_plan_document(const BlockPlan& plan, const std::vector<std::string>& notes, const json& export_info) {
  json doc = {{"plan", plan_items(plan)},
              {"kept", kept_items(plan)},
              {"findings", findings_json(plan.rejected)},
              {"notes", notes}};
  if (!export_info.is_null()) doc["export"] = export_info;
  return doc;
}

json block_apply_document(const BlockPlan& plan, const std::vector<Finding>& findings, const BlockResult& result,
                          const std::vector<std::string>& notes, const json& export_info) {
  json doc = {{"actions", result.actions},
              {"kept", kept_items(plan)},
              {"findings", findings_json(findings)},
              {"counters", counters_json(result.counters)},
              {"notes", notes}};
  for (auto& n : result.notes) doc["notes"].push_back(n);
  if (!export_info.is_null()) doc["export"] = export_info;
  return doc;
}

json plan_items(const BlockPlan& plan) {
  json items = json::array();
  auto address = [&](const std::string& ip, const std::string& why) {
    json target = {{"table", "inet unmine"}, {"address", ip}};
    if (plan.whole_address)
      target["ports"] = "all";
    else
      target["ports"] = plan.pool_ports;
    items.push_back({{"kind", "block.nft"}, {"target", target}, {"reason", why}});
  };
  for (auto& [ip, why] : plan.ipv4) address(ip, why);
  for (auto& [ip, why] : plan.ipv6) address(ip, why);
  if (!plan.any_ports.empty())
    items.push_back({{"kind", "block.nft"},
                     {"target", {{"table", "inet unmine"}, {"address", "any"}, {"ports", plan.any_ports}}},
                     {"reason", "playbook"}});
  size_t playbook_domains = 0;
  for (auto& [d, why] : plan.domains) {
    if (why == "playbook") {
      ++playbook_domains;
      continue;
    }
    items.push_back({{"kind", "block.hosts"}, {"target", {{"path", kHostsPath}, {"domain", d}}}, {"reason", why}});
  }
  if (playbook_domains)
    items.push_back(
        {{"kind", "block.hosts"},
         {"target", {{"path", kHostsPath}, {"domains", playbook_domains}, {"source", "playbook pool lists"}}},
         {"reason", "playbook"}});
  return items;
}

BlockPlan plan_block_for_case(const HostRoot& host, const Playbook& playbook, const CaseStore& store,
                              const BlockRequest& o, std::vector<std::string>& notes) {
  BlockInputs in;
  in.incident = load_indicators(store);
  try {
    TriageOptions live_only;  // named fields: clang's -Wextra flags the ones an aggregate initializer leaves out
    live_only.persistence = false;
    auto live = run_triage(host, playbook, live_only);
    in.incident.merge(live.indicators);
    for (auto& n : live.notes) notes.push_back(n);
  } catch (const Error& e) {
    notes.push_back(std::string("live triage failed, using the case's indicators only: ") + e.what());
  }
  if (in.incident.ips.empty() && in.incident.domains.empty() && o.ips.empty() && o.hosts.empty())
    notes.emplace_back(
        "no pool of this incident is known (run validate/identify, or give --host/--ip): only the "
        "playbook's pool domains and stratum ports are blocked");
  in.hosts = o.hosts;
  in.ips = o.ips;
  in.intel = pool_intel(playbook);
  in.whole_address = o.whole_address;
  in.keep = addresses_needed(host, o.ssh_connection.empty() ? nullptr : o.ssh_connection.c_str());
  return plan_block(in);
}

std::string plan_summary(const BlockPlan& plan) {
  return std::to_string(plan.ipv4.size() + plan.ipv6.size()) + " pool address(es), " +
         std::to_string(plan.any_ports.size()) + " stratum port(s), " + std::to_string(plan.domains.size()) +
         " domain(s)";
}

json removal_plan(const CaseStore& store) {
  json plan = json::array();
  for (auto& r : ActionLog::rows(store, blocks_in_force()))
    plan.push_back({{"kind", "un" + r["kind"].get<std::string>()},
                    {"target", json::parse(r["target"].get<std::string>(), nullptr, false)},
                    {"reason", "action " + std::to_string(r["id"].get<int64_t>())}});
  return plan;
}

std::vector<Finding> apply_block_plan(const HostRoot& host, CaseStore& store, Effects& effects, const BlockPlan& plan,
                                      BlockResult& result) {
  result = apply_block(host, store, effects, plan, BlockTargets{host.proc_is_live()});
  auto findings = plan.rejected;
  findings.insert(findings.end(), result.findings.begin(), result.findings.end());
  findings = dedupe(std::move(findings));
  store.record_findings(findings, store.current_step());
  return findings;
}

namespace {

std::string port_list_text(const std::set<uint16_t>& ports) {
  std::string out;
  for (auto p : ports) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

}  // namespace

std::string block_target_text(const json& t) {
  if (t.contains("address")) {
    auto ports = t["ports"].is_string() ? std::string("every port")
                                        : "tcp " + port_list_text(t["ports"].get<std::set<uint16_t>>());
    auto addr = t["address"].get<std::string>();
    return (addr == "any" ? std::string("any address") : addr) + ", " + ports;
  }
  if (t.contains("domain")) return t["path"].get<std::string>() + ": " + t["domain"].get<std::string>();
  if (t.contains("domains"))
    return t["path"].get<std::string>() + ": " + std::to_string(t["domains"].get<size_t>()) + " " +
           t.value("source", "");
  if (t.contains("table")) return "table " + t["table"].get<std::string>();
  return t.value("path", t.dump());
}

std::string block_export_text(const CaseStore& store, const BlockPlan& plan, const std::string& format) {
  ExportMeta meta{case_uuid(store), now_iso8601(), static_cast<uint32_t>(std::time(nullptr))};
  return render_export(format, plan, meta);
}

json write_block_export(const std::string& format, const std::string& text, const std::string& output) {
  json info = {{"format", format}, {"bytes", text.size()}, {"sha256", sha256_hex(text)}};
  if (output.empty()) {
    info["content"] = text;
  } else {
    write_file_replacing(output, text);
    info["path"] = output;
  }
  return info;
}

void write_file_replacing(const std::string& path, const std::string& content) {
  auto tmp = path + ".unmine-tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw RuntimeError("cannot write " + path);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw RuntimeError("cannot write " + path + ": " + ec.message());
}

}  // namespace unmine
