// The report renderers on a case database built here, with attacker-chosen strings in every field
// that reaches the output.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "case/case_store.h"
#include "playbook/playbook.h"
#include "report/formats.h"
#include "report/render.h"
#include "report/report_model.h"
#include "report/report_outline.h"
#include "report/text_escape.h"
#include "report/uuid.h"

using namespace unmine;

namespace {

const std::string kHostile = "/tmp/.x/<script>alert(1)</script>|`x`";

std::unique_ptr<CaseStore> hostile_case(const std::filesystem::path& dir) {
  auto store = CaseStore::open(dir, "cryptomining", "/");
  auto id = store->case_id();
  CaseStore::Transaction tx(*store);
  nlohmann::json miner = {
      {"pid", 4242},
      {"ppid", 1},
      {"user", "www-data"},
      {"exe", kHostile},
      {"exe_deleted", false},
      {"exe_sha256", std::string(64, 'a')},
      {"cmdline", {kHostile, "-o", "pool.example:3333"}},
      {"cwd", "/tmp"},
      {"started_at", 1795000000},
      {"cpu_seconds", 3600.0},
      {"family", "xmrig"},
      {"wallets", {{{"address", "44AFFq"}, {"coin", "monero"}, {"checksum_valid", true}}}},
      {"pools", {{{"url", "stratum+tcp://pool.example:3333"}, {"host", "pool.example"}, {"port", 3333}}}},
      {"connections", {{{"remote", "198.51.100.7"}, {"remote_port", 3333}}}}};
  for (double cpu : {1800.0, 3600.0}) {
    miner["cpu_seconds"] = cpu;
    store->exec("INSERT INTO miners(case_id, pid, exe, family, data, seen_at) VALUES(?,?,?,?,?,?)",
                {id, 4242, kHostile, "xmrig", miner, now_iso8601()});
  }
  miner["pid"] = 4343;  // a second process: its CPU adds up
  miner["cpu_seconds"] = 1800.0;
  store->exec("INSERT INTO miners(case_id, pid, exe, family, data, seen_at) VALUES(?,?,?,?,?,?)",
              {id, 4343, kHostile, "xmrig", miner, now_iso8601()});
  store->record_indicator("sha256", std::string(64, 'a'), nlohmann::json::object(), "test");
  store->record_indicator("domain", "pool.example", nlohmann::json::object(), "test");
  store->record_indicator("ipv4", "198.51.100.7", nlohmann::json::object(), "test");
  store->record_indicator("ipv6", "2001:db8::7", nlohmann::json::object(), "test");
  store->record_indicator("wallet", "44AFFq", {{"coin", "monero"}}, "test");
  store->record_indicator("path", kHostile, nlohmann::json::object(), "test");
  store->exec(
      "INSERT INTO evidence(case_id, kind, source_path, sha256, sha1, md5, size, stored_path, mtime, collected_at, "
      "collector, status)"
      " VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
      {id, "exe", kHostile, std::string(64, 'b'), std::string(40, 'c'), std::string(32, 'd'), 1234, "evidence/x",
       "2026-11-20T08:00:00Z", "2026-11-20T09:00:00.290000Z", "unmine test", "stored"});
  store->custody("evidence.stored", {{"path", kHostile}});
  store->exec("INSERT INTO actions(case_id, kind, target, reason, status, at) VALUES(?,?,?,?,?,?)",
              {id, "unpersist.cron_line", nlohmann::json{{"path", "/etc/crontab"}, {"text", kHostile}}, "F-1", "done",
               now_iso8601()});
  tx.commit();
  auto tool = make_finding(Group::tooling, "tool.scanner", Severity::medium, "masscan <b>found</b>", "masscan");
  auto entry =
      make_finding(Group::entry_vector, "exposed.service", Severity::high, "Docker API open on 2375", "docker");
  auto minerf = make_finding(Group::miner, "process.cmdline", Severity::high, kHostile, "m");
  auto pool = make_finding(Group::pool, "net.connection", Severity::high, "to pool.example", "p");
  store->record_findings({tool, entry, minerf, pool}, std::nullopt);
  CaseStore::Transaction tx2(*store);
  store->exec(
      "INSERT INTO checks(case_id, started_at, finished_at, verdict, severity, exit_code, findings) "
      "VALUES(?,?,?,?,?,?,?)",
      {id, now_iso8601(), now_iso8601(),
       nlohmann::json{{"case", "No Mining Activity"}, {"severity", "none"}, {"groups", nlohmann::json::array()}},
       "none", 0, nlohmann::json::array()});
  tx2.commit();
  return store;
}

struct Fixture {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("unmine-report-unit-" + std::to_string(::getpid()));
  std::unique_ptr<CaseStore> store;
  nlohmann::json report;
  Fixture() {
    std::filesystem::remove_all(dir);
    store = hostile_case(dir);
    report = build_report(*store, {0.10, "EUR"}, Playbook::load().json("steps.json"));
  }
  ~Fixture() { std::filesystem::remove_all(dir); }
};

}  // namespace

TEST_CASE("escaping of case strings") {
  CHECK(html_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(md_cell("a|b\nc`d") == "a\\|b c\\`d");
}

TEST_CASE("UUIDv5 matches the RFC's construction") {
  // The DNS namespace example Python's uuid documentation gives.
  CHECK(uuid_v5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST_CASE("report model: miners per process, impact, custody head, sections") {
  Fixture f;
  auto& r = f.report;
  CHECK(r["miners"].size() == 2);
  CHECK(r["miners"][0]["observations"] == 2);
  CHECK(r["impact"]["cpu_seconds"].get<double>() == doctest::Approx(5400));
  CHECK(r["impact"]["estimated_cost"].get<double>() == doctest::Approx(0.15));
  CHECK(r["impact"]["currency"] == "EUR");
  CHECK(r["summary"]["verdict"]["case"] == "Active Cryptomining");
  CHECK(r["summary"]["current"]["clean"] == true);
  CHECK(r["tooling"].size() == 1);
  CHECK(r["entry_vector"].size() == 1);
  CHECK(r["evidence"]["custody"]["chain_valid"] == true);
  CHECK(r["evidence"]["custody"]["head_hash"].get<std::string>().size() == 64);
  CHECK_FALSE(r["time_boxes"].empty());
  bool file_time = false;
  for (auto& e : r["timeline"]) file_time |= e["kind"] == "file.modified" && e["at"] == "2026-11-20T08:00:00Z";
  CHECK(file_time);
  // Oldest first.
  CHECK(r["timeline"].front()["at"].get<std::string>() <= r["timeline"].back()["at"].get<std::string>());
}

TEST_CASE("HTML: self-contained, every case string escaped, charts drawn") {
  Fixture f;
  auto html = render_html(f.report);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("masscan &lt;b&gt;found&lt;/b&gt;") != std::string::npos);
  CHECK(html.find("src=\"http") == std::string::npos);
  CHECK(html.find("href=\"http") == std::string::npos);
  CHECK(html.find("@media print") != std::string::npos);
  size_t svgs = 0;
  for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
  CHECK(svgs == 2);
  for (auto* id :
       {"summary", "time-boxes", "timeline", "miners", "indicators", "evidence", "actions", "verification", "impact"})
    CHECK(html.find(std::string("id=\"") + id + "\"") != std::string::npos);
}

TEST_CASE("Markdown: sections and escaped table cells") {
  Fixture f;
  auto md = render_markdown(f.report);
  for (auto* h : {"## Summary", "## Time boxes", "## Timeline", "## Miners", "## Indicators", "## Evidence",
                  "## Actions", "## Verification history", "## Resource impact", "## Entry vector", "## Tooling found"})
    CHECK(md.find(h) != std::string::npos);
  CHECK(md.find("<script>") == std::string::npos);
  CHECK(md.find("\\|\\`x\\`") != std::string::npos);
}

TEST_CASE("STIX: a 2.1 bundle with patterns, observables, malware, tool, relationships") {
  Fixture f;
  auto b = render_stix(f.report);
  CHECK(b["type"] == "bundle");
  std::regex id_re("^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::regex ts_re("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$");
  std::set<std::string> types, ids, patterns;
  for (auto& o : b["objects"]) {
    auto id = o["id"].get<std::string>();
    CHECK(std::regex_match(id, id_re));
    CHECK(id.starts_with(o["type"].get<std::string>() + "--"));
    CHECK(ids.insert(id).second);
    types.insert(o["type"].get<std::string>());
    for (auto* k : {"created", "modified", "valid_from"})
      if (o.contains(k)) CHECK(std::regex_match(o[k].get<std::string>(), ts_re));
    if (o["type"] == "indicator") patterns.insert(o["pattern"].get<std::string>());
  }
  for (auto& o : b["objects"])
    if (o["type"] == "relationship") {
      CHECK(ids.contains(o["source_ref"].get<std::string>()));
      CHECK(ids.contains(o["target_ref"].get<std::string>()));
    }
  for (auto* t : {"identity", "indicator", "observed-data", "file", "domain-name", "ipv4-addr", "ipv6-addr", "malware",
                  "tool", "relationship", "x-cryptocurrency-wallet"})
    CHECK_MESSAGE(types.contains(t), t);
  CHECK(patterns.contains("[domain-name:value = 'pool.example']"));
  CHECK(patterns.contains("[ipv6-addr:value = '2001:db8::7']"));
  CHECK(patterns.contains("[file:hashes.'SHA-256' = '" + std::string(64, 'b') + "']"));
  // The preserved executable: all three hashes, the id from MD5 (STIX 2.1's order of preference), and its
  // time cut to milliseconds from the recorded digits (.290, not a float's .289).
  auto md5_json = std::string(R"({"hashes":{"MD5":")") + std::string(32, 'd') + "\"}}";
  auto exe_id = "file--" + uuid_v5("00abedb4-aa42-466c-9c01-fed23315a9b7", md5_json);
  int exe_files = 0;
  for (auto& o : b["objects"]) {
    if (o["id"] == exe_id) {
      ++exe_files;
      CHECK(o["hashes"]["SHA-256"] == std::string(64, 'b'));
      CHECK(o["hashes"]["SHA-1"] == std::string(40, 'c'));
    }
    if (o["type"] == "indicator" && o["pattern"].get<std::string>().find(std::string(64, 'b')) != std::string::npos)
      CHECK(o["valid_from"] == "2026-11-20T09:00:00.290Z");
  }
  CHECK(exe_files == 1);
  // Deterministic: the same case gives the same ids.
  CHECK(render_stix(f.report)["objects"] == b["objects"]);
}

TEST_CASE("timeline: JSON lines Timesketch imports") {
  Fixture f;
  std::istringstream in(render_timeline(f.report));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    CHECK(j["datetime"].is_string());
    CHECK(j["timestamp_desc"].is_string());
    CHECK(j["message"].is_string());
    ++n;
  }
  CHECK(n == static_cast<int>(f.report["timeline"].size()));
}

TEST_CASE("report formats: one table names every format, each renders the case; JSON formats give a document") {
  Fixture f;
  CHECK(report_format_names() == "md, html, json, stix, timeline");
  for (auto& format : report_formats()) {
    CAPTURE(format.name);
    CHECK(find_report_format(format.name) == &format);
    CHECK_FALSE(format.description.empty());
    auto content = format.render(f.report);
    CHECK_FALSE(content.empty());
    if (format.document) CHECK(nlohmann::json::parse(content) == format.document(f.report));
  }
  CHECK(find_report_format("pdf") == nullptr);
  CHECK(find_report_format("md")->render(f.report) == render_markdown(f.report));
}

TEST_CASE("Markdown and HTML draw the same sections in the same order (one outline)") {
  Fixture f;
  auto md = render_markdown(f.report);
  auto html = render_html(f.report);
  size_t md_at = 0, html_at = 0;
  for (auto& section : report_sections(f.report)) {
    CAPTURE(section.title);
    auto m = md.find("## " + std::string(section.title) + "\n", md_at);
    auto h = html.find("<h2 id=\"" + std::string(section.id) + "\">" + std::string(section.title) + "</h2>", html_at);
    REQUIRE(m != std::string::npos);
    REQUIRE(h != std::string::npos);
    md_at = m + 1;
    html_at = h + 1;
  }
}
