// unmine block: drop the incident's pools and the stratum ports at the firewall (nftables table inet unmine),
// sinkhole pool domains in the hosts file, and export the same block for layers this host does not own.
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "actions/block.h"
#include "actions/block_export.h"
#include "actions/block_intel.h"
#include "actions/host_needs.h"
#include "case/indicators_store.h"
#include "cmd/commands.h"
#include "core/hashing.h"
#include "core/text.h"
#include "detect/triage.h"

namespace unmine {
namespace {

using nlohmann::json;

struct BlockOptions {
  bool remove = false;
  bool whole_address = false;
  std::string export_format;
  std::string output;
  std::vector<std::string> hosts, ips;
};

std::string ports_text(const std::set<uint16_t>& ports) {
  std::string out;
  for (auto p : ports) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

json plan_items(const BlockPlan& plan) {
  json items = json::array();
  auto address = [&](const std::string& ip, const std::string& why) {
    json target = {{"table", "inet unmine"}, {"address", ip}};
    if (plan.whole_address) target["ports"] = "all";
    else target["ports"] = plan.pool_ports;
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
    items.push_back({{"kind", "block.hosts"},
                     {"target", {{"path", kHostsPath}, {"domains", playbook_domains}, {"source", "playbook pool lists"}}},
                     {"reason", "playbook"}});
  return items;
}

std::string target_text(const json& t) {
  if (t.contains("address")) {
    auto ports = t["ports"].is_string() ? std::string("every port") : "tcp " + ports_text(t["ports"].get<std::set<uint16_t>>());
    auto addr = t["address"].get<std::string>();
    return (addr == "any" ? std::string("any address") : addr) + ", " + ports;
  }
  if (t.contains("domain")) return t["path"].get<std::string>() + ": " + t["domain"].get<std::string>();
  if (t.contains("domains")) return t["path"].get<std::string>() + ": " + std::to_string(t["domains"].get<size_t>()) + " " + t.value("source", "");
  if (t.contains("table")) return "table " + t["table"].get<std::string>();
  return t.value("path", t.dump());
}

void write_output_file(const std::string& path, const std::string& content) {
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

BlockPlan make_plan(Context& ctx, const BlockOptions& o, std::vector<std::string>& notes) {
  BlockInputs in;
  in.incident = load_indicators(ctx.case_store());
  try {
    auto live = run_triage(ctx.host(), ctx.playbook(), TriageOptions{{}, false});
    in.incident.merge(live.indicators);
    for (auto& n : live.notes) notes.push_back(n);
  } catch (const Error& e) {
    notes.push_back(std::string("live triage failed, using the case's indicators only: ") + e.what());
  }
  if (in.incident.ips.empty() && in.incident.domains.empty() && o.ips.empty() && o.hosts.empty())
    notes.push_back("no pool of this incident is known (run validate/identify, or give --host/--ip): only the "
                    "playbook's pool domains and stratum ports are blocked");
  in.hosts = o.hosts;
  in.ips = o.ips;
  in.intel = pool_intel(ctx.playbook());
  in.whole_address = o.whole_address;
  in.keep = addresses_needed(ctx.host(), std::getenv("SSH_CONNECTION"));
  return plan_block(in);
}

BlockTargets targets_for(Context& ctx) {
  BlockTargets t;
  t.nft = ctx.host().proc_is_live();
  t.exports_dir = (std::filesystem::path(ctx.case_dir()) / "exports").string();
  return t;
}

void print_actions(const Output& out, const json& actions) {
  std::vector<std::vector<std::string>> rows;
  for (auto& a : actions)
    rows.push_back({std::to_string(a["id"].get<int64_t>()), a["kind"].get<std::string>(), a["status"].get<std::string>(),
                    printable(target_text(a["target"])), a.contains("error") ? a["error"].get<std::string>() : ""});
  out.table({"ID", "KIND", "STATUS", "TARGET", "NOTE"}, rows);
}

std::string counters_line(const std::map<std::string, NftCounter>& counters) {
  std::string line;
  for (auto& [name, c] : counters)
    line += (line.empty() ? "" : ", ") + name + " " + std::to_string(c.packets) + " packets";
  return line;
}

json kept_json(const BlockPlan& plan) {
  json out = json::array();
  for (auto& [address, why] : plan.kept) out.push_back({{"address", address}, {"why", why}});
  return out;
}

std::string kept_text(const BlockPlan& plan) {
  std::string line;
  for (auto& [address, why] : plan.kept) line += (line.empty() ? "" : ", ") + address + " (" + why + ")";
  return line.empty() ? line : "Never dropped: " + line + "\n";
}

json counters_json(const std::map<std::string, NftCounter>& counters) {
  json out = json::object();
  for (auto& [name, c] : counters) out[name] = {{"packets", c.packets}, {"bytes", c.bytes}};
  return out;
}

json findings_json(const std::vector<Finding>& findings) {
  json out = json::array();
  for (auto& f : findings) out.push_back(f.to_json());
  return out;
}

ExitCode run_remove(Context& ctx) {
  auto& out = ctx.out();
  auto& store = ctx.case_store();
  if (!ctx.opt.apply) {
    ctx.step_status = "planned";
    auto rows = store.query("SELECT id, kind, target FROM actions WHERE case_id=? AND kind IN ('block.nft','block.hosts')"
                            " AND status IN ('done','pending') ORDER BY id",
                            {store.case_id()});
    json plan = json::array();
    for (auto& r : rows)
      plan.push_back({{"kind", "un" + r["kind"].get<std::string>()},
                      {"target", json::parse(r["target"].get<std::string>(), nullptr, false)},
                      {"reason", "action " + std::to_string(r["id"].get<int64_t>())}});
    ctx.outcome = "planned removal of " + std::to_string(plan.size()) + " block action(s)";
    if (out.json()) {
      out.document({{"plan", plan}, {"notes", json::array()}});
    } else if (plan.empty()) {
      out.text("No block of this case is in force.\n");
    } else {
      std::vector<std::vector<std::string>> table;
      for (auto& p : plan) table.push_back({p["kind"], printable(target_text(p["target"])), p["reason"]});
      out.table({"KIND", "TARGET", "REASON"}, table);
      out.text("Dry run: nothing changed. Add --apply to remove.\n");
    }
    return ExitCode::ok;
  }
  auto result = remove_block(ctx.host(), store, ctx.effects(), targets_for(ctx));
  for (auto& n : result.notes) out.note(n);
  ctx.outcome = "removed " + std::to_string(result.actions.size()) + " block layer(s)" + (result.failed() ? " (with failures)" : "");
  if (out.json()) {
    out.document({{"actions", result.actions}, {"counters", counters_json(result.counters)}, {"notes", result.notes}});
  } else {
    if (result.actions.empty()) out.text("No block of this case is in force.\n");
    else print_actions(out, result.actions);
    if (!result.counters.empty()) out.text("Dropped while in force: " + counters_line(result.counters) + "\n");
  }
  return result.failed() ? ExitCode::runtime : ExitCode::ok;
}

ExitCode run_block(Context& ctx, const BlockOptions& o) {
  if (o.remove) {
    if (!o.hosts.empty() || !o.ips.empty() || !o.export_format.empty())
      throw UsageError("--remove takes no --host, --ip or --export: it removes what this case blocked");
    return run_remove(ctx);
  }
  auto& out = ctx.out();
  if (!o.export_format.empty() && o.output.empty() && ctx.opt.apply && !out.json())
    throw UsageError("--export without -o writes to stdout: give -o FILE to combine it with --apply");
  std::vector<std::string> notes;
  auto plan = make_plan(ctx, o, notes);
  auto& store = ctx.case_store();
  json export_info;
  if (!o.export_format.empty()) {
    ExportMeta meta{case_uuid(store), now_iso8601(), static_cast<uint32_t>(std::time(nullptr))};
    auto text = render_export(o.export_format, plan, meta);
    if (o.output.empty() && !out.json() && !ctx.opt.apply) {
      // The export is the output: a file to pipe into the other layer's configuration.
      for (auto& n : notes) out.note(n);
      store.record_findings(plan.rejected, store.current_step());
      std::fwrite(text.data(), 1, text.size(), stdout);
      ctx.step_status = "planned";
      ctx.outcome = "exported " + o.export_format;
      return ExitCode::ok;
    }
    export_info = {{"format", o.export_format}, {"bytes", text.size()}, {"sha256", sha256_hex(text)}};
    if (o.output.empty()) export_info["content"] = text;
    else {
      write_output_file(o.output, text);
      export_info["path"] = o.output;
    }
  }

  if (!ctx.opt.apply) {
    ctx.step_status = "planned";
    store.record_findings(plan.rejected, store.current_step());
    for (auto& n : notes) out.note(n);
    auto items = plan_items(plan);
    ctx.outcome = "planned: " + std::to_string(plan.ipv4.size() + plan.ipv6.size()) + " pool address(es), " +
                  std::to_string(plan.any_ports.size()) + " stratum port(s), " + std::to_string(plan.domains.size()) +
                  " domain(s)";
    if (out.json()) {
      json doc = {{"plan", items}, {"kept", kept_json(plan)}, {"findings", findings_json(plan.rejected)}, {"notes", notes}};
      if (!export_info.is_null()) doc["export"] = export_info;
      out.document(doc);
      return ExitCode::ok;
    }
    std::vector<std::vector<std::string>> rows;
    for (auto& p : items) rows.push_back({p["kind"], printable(target_text(p["target"])), p["reason"]});
    out.table({"KIND", "TARGET", "REASON"}, rows);
    out.text(kept_text(plan));
    if (!plan.rejected.empty()) print_findings(out, plan.rejected);
    if (!export_info.is_null()) out.text("Export " + o.export_format + " written to " + o.output + "\n");
    out.text("Dry run: nothing changed. Add --apply to block.\n");
    return ExitCode::ok;
  }

  auto result = apply_block(ctx.host(), store, ctx.effects(), plan, targets_for(ctx));
  auto findings = plan.rejected;
  findings.insert(findings.end(), result.findings.begin(), result.findings.end());
  findings = dedupe(std::move(findings));
  store.record_findings(findings, store.current_step());
  for (auto& n : notes) out.note(n);
  for (auto& n : result.notes) out.note(n);
  int done = 0;
  for (auto& a : result.actions) done += a["status"] == "done";
  ctx.outcome = "block applied: " + std::to_string(done) + " layer(s) changed" + (result.failed() ? ", with failures" : "");
  if (out.json()) {
    json doc = {{"actions", result.actions}, {"kept", kept_json(plan)}, {"findings", findings_json(findings)},
                {"counters", counters_json(result.counters)}, {"notes", notes}};
    for (auto& n : result.notes) doc["notes"].push_back(n);
    if (!export_info.is_null()) doc["export"] = export_info;
    out.document(doc);
  } else {
    print_actions(out, result.actions);
    out.text(kept_text(plan));
    if (!findings.empty()) print_findings(out, findings);
    if (!result.counters.empty()) out.text("Counters: " + counters_line(result.counters) + "\n");
    if (!export_info.is_null()) out.text("Export " + o.export_format + " written to " + o.output + "\n");
  }
  return result.failed() ? ExitCode::runtime : ExitCode::ok;
}

}  // namespace

void add_block(CLI::App& app, Context& ctx) {
  auto o = std::make_shared<BlockOptions>();
  auto* sub = app.add_subcommand("block", "block mining-pool domains and stratum ports at firewall, DNS and proxy layers");
  sub->add_flag("--remove", o->remove, "roll back what this case blocked (with --apply)");
  sub->add_option("--export", o->export_format, "write the block for another layer: hosts, dnsmasq, unbound, rpz, nft, "
                                                 "iptables, ip6tables, squid, suricata");
  sub->add_option("-o,--output", o->output, "file for --export (default: stdout)");
  sub->add_option("--host", o->hosts, "a pool host name to sinkhole (repeatable)");
  sub->add_option("--ip", o->ips, "a pool address to drop (repeatable)");
  sub->add_flag("--whole-address", o->whole_address,
                "drop every port to the pool addresses (pools often share addresses with other services)");
  sub->callback([&ctx, o] {
    ctx.step = "block";
    ctx.run = [&ctx, o]() -> ExitCode { return run_block(ctx, *o); };
  });
}

}  // namespace unmine
