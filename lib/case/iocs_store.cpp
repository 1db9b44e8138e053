#include "case/iocs_store.h"

#include "model/wallets.h"

namespace unmine {

IocSet load_case_iocs(const CaseStore& store, int64_t case_id) {
  IocSet s;
  auto c = store.query("SELECT uuid, hostname FROM cases WHERE id=?", {case_id});
  if (!c.empty()) {
    s.case_uuid = string_at(c[0], "uuid");
    s.host = string_at(c[0], "hostname");
  }
  for (auto& r :
       store.query("SELECT type, value, context FROM indicators WHERE case_id=? AND type IN "
                   "('wallet','domain','ipv4','ipv6','port','sha256','path','dir','name') ORDER BY type, value",
                   {case_id}))
    s.add(string_at(r, "type"), string_at(r, "value"), json_column(r["context"]));
  // Files the responder preserved (binaries, configs, scripts, persistence files), not the process texts.
  for (auto& r :
       store.query("SELECT DISTINCT kind, sha256, source_path FROM evidence WHERE case_id=? AND status='stored' "
                   "AND kind NOT IN "
                   "('cmdline','environ','maps','status','fds','cwd_listing','proc','symlink','container_meta') "
                   "AND sha256 IS NOT NULL ORDER BY id",
                   {case_id}))
    s.add("sha256", string_at(r, "sha256"), {{"kind", string_at(r, "kind")}, {"path", string_at(r, "source_path")}});
  // What the high findings were tied through, and the wallets their matched text names: a case made from
  // an image (no live miner) still yields the incident's wallets and pools.
  for (auto& r : store.query(
           "SELECT kind, path, evidence FROM findings WHERE case_id=? AND severity IN ('high','critical') ORDER BY id",
           {case_id})) {
    auto e = json_column(r["evidence"]);
    if (!e.is_object()) continue;
    auto type = string_at(e, "indicator_type");
    auto value = string_at(e, "indicator");
    if (type == "ip") type = value.find(':') == std::string::npos ? "ipv4" : "ipv6";
    if (type == "pool_domain") type = "domain";
    if (type == "wallet" || type == "domain" || type == "ipv4" || type == "ipv6" || type == "sha256" || type == "path")
      s.add(type, value, {{"finding_kind", string_at(r, "kind")}});
    auto text = string_at(e, "text");
    for (auto& w : find_wallets(text))
      if (w.checksum_valid) s.add("wallet", w.address, {{"coin", w.coin}});
  }
  for (auto& r : store.query("SELECT kind, path, evidence FROM findings WHERE case_id=? AND group_name='persistence' "
                             "AND severity IN ('high','critical') ORDER BY id",
                             {case_id})) {
    auto e = json_column(r["evidence"]);
    auto text = e.is_object() ? string_at(e, "text") : std::string();
    if (text.empty()) continue;
    auto kind = string_at(r, "kind");
    if (kind == "ssh_key") {
      if (auto fp = ssh_key_fingerprint(text)) s.add("ssh_key", *fp, {{"path", string_at(r, "path")}});
    } else if (kind == "cron" || kind == "systemd" || kind == "rc_script" || kind == "shell_profile") {
      s.add("persistence_line", text, {{"kind", kind}, {"path", string_at(r, "path")}});
    }
  }
  return s;
}

}  // namespace unmine
