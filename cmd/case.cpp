// unmine case: the case as a whole, for a fleet. `iocs` writes its indicators for a sweep of other hosts;
// `export`/`import` move it as one bundle with a manifest of hashes; `merge` folds host cases into a
// fleet case.
#include "case/case_reader.h"
#include "case/fleet_store.h"
#include "case/iocs_store.h"
#include "cmd/commands.h"
#include "core/text.h"
#include "fleet/bundle.h"
#include "fleet/merge.h"
#include "report/iocs_stix.h"
#include "report/report_command.h"

namespace unmine {
namespace {

struct IocsArgs {
  std::string output;
  std::string format = "json";
};

ExitCode case_iocs(Context& ctx, const IocsArgs& a) {
  auto& store = ctx.existing_case();
  auto iocs = load_case_iocs(store, store.case_id());
  auto doc = a.format == "stix" ? iocs_stix(store, iocs) : iocs.to_json();
  auto& out = ctx.out();
  if (!a.output.empty()) {
    write_output(a.output, doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    if (out.json())
      out.document({{"iocs", {{"path", a.output}, {"format", a.format}, {"count", iocs.iocs.size()}}}});
    else
      out.note("wrote " + std::to_string(iocs.iocs.size()) + " IoCs (" + a.format + ") to " + printable(a.output));
    return ExitCode::ok;
  }
  // The document is the output either way: it is made to be saved and handed to `validate --iocs`.
  if (out.json())
    out.document(doc);
  else
    std::fputs((doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n").c_str(), stdout);
  return ExitCode::ok;
}

struct ExportArgs {
  std::string output;
  std::string host;
};

ExitCode case_export(Context& ctx, const ExportArgs& a) {
  auto& store = ctx.existing_case();
  auto host = a.host.empty() ? string_at(case_row(store), "hostname") : a.host;
  auto out_path = a.output.empty() ? "unmine-case-" + host + ".tar.zst" : a.output;
  auto r = export_case(store, host, out_path);
  record_export_custody(store, host, r);
  auto& out = ctx.out();
  if (out.json())
    out.document_text(
        bundle_document({{"bundle", {{"path", r.path}, {"sha256", r.sha256}, {"bytes", r.bytes}}}}, r.manifest));
  else
    out.text("Exported case " + r.manifest.case_uuid + " (host " + host + ", " +
             std::to_string(r.manifest.files.size()) + " files) to " + printable(r.path) + "\nsha256 " + r.sha256 +
             "\n");
  return ExitCode::ok;
}

ExitCode case_import(Context& ctx, const std::string& bundle) {
  auto r = import_bundle(bundle, ctx.case_dir());
  auto& store = ctx.case_store();  // opens it: an older schema is upgraded
  record_import_custody(store, bundle, r);
  auto& out = ctx.out();
  if (out.json())
    out.document_text(bundle_document(
        {{"case", store.dir().string()}, {"bundle", {{"path", bundle}, {"sha256", r.sha256}}}}, r.manifest));
  else
    out.text("Imported case " + r.manifest.case_uuid + " (host " + r.manifest.host + ", " +
             std::to_string(r.manifest.files.size()) + " files, every hash checked) into " + store.dir().string() +
             "\n");
  return ExitCode::ok;
}

ExitCode case_merge(Context& ctx, const std::vector<std::string>& inputs) {
  std::vector<std::filesystem::path> paths(inputs.begin(), inputs.end());
  auto& store = ctx.case_store();
  auto merged = merge_bundles(store, paths);
  auto& out = ctx.out();
  nlohmann::json hosts = nlohmann::json::array();
  for (auto& m : merged) hosts.push_back(m.to_json());
  auto total = merged_hosts(store).size();
  if (out.json()) {
    out.document({{"case", store.dir().string()}, {"merged", hosts}, {"hosts", total}});
  } else {
    std::vector<std::vector<std::string>> rows;
    rows.reserve(merged.size());
    for (auto& m : merged)
      rows.push_back({m.host, m.case_uuid, m.status, std::to_string(m.findings), std::to_string(m.evidence),
                      std::to_string(m.files_copied)});
    out.table({"HOST", "CASE", "STATUS", "FINDINGS", "EVIDENCE", "FILES COPIED"}, rows);
    out.text("\nThe fleet case " + store.dir().string() + " holds " + std::to_string(total) + " host(s).\n");
  }
  return ExitCode::ok;
}

}  // namespace

void add_case(CLI::App& app, Context& ctx) {
  auto* sub = app.add_subcommand("case", "the case as a whole: IoCs for a fleet sweep, export, import, merge");
  sub->require_subcommand(1, 1);

  auto ia = std::make_shared<IocsArgs>();
  auto* iocs = sub->add_subcommand("iocs", "the case's indicators for a sweep of other hosts (validate --iocs)");
  iocs->add_option("-o,--output", ia->output, "write them to FILE instead of stdout");
  iocs->add_option("--format", ia->format,
                   "json (default: the document validate --iocs reads) or stix (a STIX 2.1 bundle)")
      ->check(CLI::IsMember({"json", "stix"}));
  iocs->callback([&ctx, ia] { ctx.run = [&ctx, ia] { return case_iocs(ctx, *ia); }; });

  auto ea = std::make_shared<ExportArgs>();
  auto* exp =
      sub->add_subcommand("export", "the case as one tar.zst bundle (case.db, evidence, a manifest of SHA-256s)");
  exp->add_option("-o,--output", ea->output, "bundle file (default unmine-case-HOST.tar.zst)");
  exp->add_option(
      "--host", ea->host,
      "host name the bundle carries (default the case's hostname; the fleet playbook gives the inventory name)");
  exp->callback([&ctx, ea] { ctx.run = [&ctx, ea] { return case_export(ctx, *ea); }; });

  auto bundle = std::make_shared<std::string>();
  auto* imp = sub->add_subcommand("import", "a bundle into a new case folder (--case DIR), every hash checked first");
  imp->add_option("BUNDLE", *bundle, "the bundle (case export)")->required();
  imp->callback([&ctx, bundle] { ctx.run = [&ctx, bundle] { return case_import(ctx, *bundle); }; });

  auto inputs = std::make_shared<std::vector<std::string>>();
  auto* merge = sub->add_subcommand(
      "merge", "host bundles into the fleet case (--case FLEET): hosts, campaigns, one custody check");
  merge->add_option("BUNDLE", *inputs, "bundles, or folders of bundles (*.tar.zst)")->required();
  merge->callback([&ctx, inputs] { ctx.run = [&ctx, inputs] { return case_merge(ctx, *inputs); }; });
}

}  // namespace unmine
