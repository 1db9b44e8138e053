// STIX 2.1 bundle of the incident: indicators with STIX patterns, the observables they rest on,
// wallets as a custom observable, the miner family as malware, tooling as tools, and relationships.
#include <set>

#include "report/render.h"
#include "report/timestamps.h"
#include "report/uuid.h"

namespace unmine {
namespace {

// The STIX 2.1 namespace for deterministic SCO identifiers (spec section 2.9).
constexpr std::string_view kScoNamespace = "00abedb4-aa42-466c-9c01-fed23315a9b7";

// STIX timestamps: UTC with exactly millisecond precision, the fraction cut from the recorded digits (a
// float round trip would turn .290 into .289).
std::string stix_time(const nlohmann::json& when, const std::string& fallback) {
  auto iso = as_iso(when).value_or(fallback);
  if (iso.size() < 19 || !unix_seconds(iso)) iso = fallback;
  std::string ms = "000";
  if (iso.size() > 19 && iso[19] == '.')
    for (size_t i = 0; i < 3 && 20 + i < iso.size() && iso[20 + i] >= '0' && iso[20 + i] <= '9'; ++i)
      ms[i] = iso[20 + i];
  return iso.substr(0, 19) + "." + ms + "Z";
}

// A string inside a STIX pattern's single quotes.
std::string pattern_literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

class Bundle {
 public:
  Bundle(std::string case_uuid, std::string created) : case_uuid_(std::move(case_uuid)), created_(std::move(created)) {
    identity_ = sdo("identity", "unmine",
                    {{"name", "unmine"},
                     {"identity_class", "system"},
                     {"description", "unmine incident response toolkit, case " + case_uuid_}});
  }

  // SDOs and SROs: ids named by the case and a key, so a report made twice carries the same ids.
  std::string sdo(const std::string& type, const std::string& key, const nlohmann::json& props) {
    auto id = type + "--" + uuid_v5(case_uuid_, type + "|" + key);
    if (seen_.insert(id).second) {
      nlohmann::json o = {
          {"type", type}, {"spec_version", "2.1"}, {"id", id}, {"created", created_}, {"modified", created_}};
      if (type != "identity") o["created_by_ref"] = identity_;
      o.update(props);
      objects_.push_back(o);
    }
    return id;
  }

  // SCOs: ids from their ID-contributing properties, as the spec prescribes.
  std::string sco(const std::string& type, const nlohmann::json& contributing,
                  const nlohmann::json& props = nlohmann::json::object()) {
    auto id = type + "--" + uuid_v5(kScoNamespace, contributing.dump());
    if (seen_.insert(id).second) {
      nlohmann::json o = {{"type", type}, {"spec_version", "2.1"}, {"id", id}};
      o.update(contributing);
      o.update(props);
      objects_.push_back(o);
    }
    return id;
  }

  void relate(const std::string& source, const std::string& rel, const std::string& target) {
    sdo("relationship", source + "|" + rel + "|" + target,
        {{"relationship_type", rel}, {"source_ref", source}, {"target_ref", target}});
  }

  nlohmann::json done() {
    return {{"type", "bundle"}, {"id", "bundle--" + uuid_v5(case_uuid_, "bundle")}, {"objects", objects_}};
  }

  const std::string& created() const { return created_; }

 private:
  std::string case_uuid_, created_, identity_;
  std::set<std::string> seen_;
  nlohmann::json objects_ = nlohmann::json::array();
};

std::string tool_type(const std::string& kind) {
  if (kind == "tool.scanner") return "vulnerability-scanning";
  if (kind == "tool.reverse_shell" || kind == "tool.webshell") return "remote-access";
  if (kind == "tool.ssh_spreader") return "credential-exploitation";
  return "unknown";
}

}  // namespace

nlohmann::json render_stix(const nlohmann::json& r) {
  auto& c = r["case"];
  auto case_uuid = c["uuid"].get<std::string>();
  Bundle b(case_uuid, stix_time(r["report"]["generated_at"], "1970-01-01T00:00:00Z"));
  auto first_seen = stix_time(c["created_at"], "1970-01-01T00:00:00Z");

  std::set<std::string> families;
  for (auto& m : r["miners"]) {
    auto f = m.value("family", std::string("unknown"));
    families.insert(f == "unknown" ? "unidentified cryptominer" : f);
  }
  if (families.empty()) families.insert("unidentified cryptominer");
  std::vector<std::string> malware_ids;
  malware_ids.reserve(families.size());
  for (auto& f : families)
    malware_ids.push_back(
        b.sdo("malware", f,
              {{"name", f},
               {"is_family", true},
               {"malware_types", {"resource-exploitation"}},
               {"description", "Cryptocurrency miner found by unmine on " + c.value("hostname", std::string())}}));

  // Each indicator: its pattern, the observable it rests on (in an observed-data), and what it indicates.
  auto indicate = [&](const std::string& name, const std::string& pattern, const std::string& sco_id,
                      const nlohmann::json& seen) {
    auto t = stix_time(seen, first_seen);
    auto ind = b.sdo("indicator", pattern,
                     {{"name", name},
                      {"pattern", pattern},
                      {"pattern_type", "stix"},
                      {"pattern_version", "2.1"},
                      {"valid_from", t},
                      {"indicator_types", {"malicious-activity"}}});
    auto obs = b.sdo("observed-data", sco_id,
                     {{"first_observed", t}, {"last_observed", t}, {"number_observed", 1}, {"object_refs", {sco_id}}});
    b.relate(ind, "based-on", obs);
    for (auto& m : malware_ids) b.relate(ind, "indicates", m);
  };

  std::set<std::string> hashes;
  // Preserved executables first: they carry all three hashes, so a hash indicator of the same file below
  // adds nothing.
  for (auto& e : r["evidence"]["items"]) {
    if (e.value("kind", std::string()) != "exe" || !e["sha256"].is_string() ||
        e.value("status", std::string()) != "stored")
      continue;
    auto sha = e["sha256"].get<std::string>();
    if (!hashes.insert(sha).second) continue;
    nlohmann::json h = {{"SHA-256", sha}};
    if (e["sha1"].is_string()) h["SHA-1"] = e["sha1"];
    if (e["md5"].is_string()) h["MD5"] = e["md5"];
    // The id comes from one hash, the first present of MD5, SHA-1, SHA-256 (STIX 2.1 section 2.9), so
    // other producers name the same file alike.
    nlohmann::json id_hash = h.contains("MD5")     ? nlohmann::json{{"MD5", h["MD5"]}}
                             : h.contains("SHA-1") ? nlohmann::json{{"SHA-1", h["SHA-1"]}}
                                                   : nlohmann::json{{"SHA-256", sha}};
    auto sco = b.sco("file", {{"hashes", id_hash}}, {{"hashes", h}});
    indicate("Preserved miner executable " + sha.substr(0, 16),
             "[file:hashes.'SHA-256' = '" + pattern_literal(sha) + "']", sco, e["collected_at"]);
  }
  for (auto& i : r["indicators"]) {
    auto type = i.value("type", std::string());
    auto value = i.value("value", std::string());
    if (type == "sha256" && hashes.insert(value).second) {
      auto sco = b.sco("file", {{"hashes", {{"SHA-256", value}}}});
      indicate("Miner executable " + value.substr(0, 16), "[file:hashes.'SHA-256' = '" + pattern_literal(value) + "']",
               sco, i["first_seen"]);
    } else if (type == "domain") {
      auto sco = b.sco("domain-name", {{"value", value}});
      indicate("Mining pool " + value, "[domain-name:value = '" + pattern_literal(value) + "']", sco, i["first_seen"]);
    } else if (type == "ipv4" || type == "ipv6") {
      auto stype = type + "-addr";
      auto sco = b.sco(stype, {{"value", value}});
      indicate("Mining pool address " + value, "[" + stype + ":value = '" + pattern_literal(value) + "']", sco,
               i["first_seen"]);
    } else if (type == "wallet") {
      auto coin = i["context"].is_object() ? i["context"].value("coin", std::string()) : std::string();
      nlohmann::json props = nlohmann::json::object();
      if (!coin.empty()) props["coin"] = coin;
      auto sco = b.sco("x-cryptocurrency-wallet", {{"value", value}}, props);
      auto t = stix_time(i["first_seen"], first_seen);
      auto obs = b.sdo("observed-data", sco,
                       {{"first_observed", t}, {"last_observed", t}, {"number_observed", 1}, {"object_refs", {sco}}});
      for (auto& m : malware_ids) b.relate(m, "related-to", obs);
    }
  }
  for (auto& f : r["tooling"]) {
    auto kind = f.value("kind", std::string());
    auto tool =
        b.sdo("tool", f.value("id", kind), {{"name", f.value("summary", kind)}, {"tool_types", {tool_type(kind)}}});
    for (auto& m : malware_ids) b.relate(m, "uses", tool);
  }
  return b.done();
}

}  // namespace unmine
