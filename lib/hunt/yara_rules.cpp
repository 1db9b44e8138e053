#include "hunt/yara_rules.h"

#include <yara.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "core/error.h"
#include "core/text.h"

namespace unmine {
namespace {

// libyara's global state: initialised once for the process, kept until exit (scanners in any thread).
void ensure_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (yr_initialize() != ERROR_SUCCESS) throw RuntimeError("libyara failed to initialise");
  });
}

struct CompileErrors {
  std::string current_file;
  std::vector<std::string> messages;
};

void on_compile_message(int level, const char* file, int line, const YR_RULE*, const char* message, void* user) {
  if (level != YARA_ERROR_LEVEL_ERROR) return;
  auto* e = static_cast<CompileErrors*>(user);
  e->messages.push_back((file ? std::string(file) : e->current_file) + ":" + std::to_string(line) + ": " + message);
}

}  // namespace

std::shared_ptr<YaraRules> YaraRules::compile(const Playbook& playbook) {
  std::vector<std::pair<std::string, std::string>> files;
  for (auto& rel : playbook.files_under("rules/")) {
    if (!rel.ends_with(".yar") && !rel.ends_with(".yara")) continue;
    if (auto text = playbook.text(rel)) files.emplace_back(playbook.source_of(rel), *text);
  }
  return compile_sources(files);
}

std::shared_ptr<YaraRules> YaraRules::compile_sources(const std::vector<std::pair<std::string, std::string>>& files) {
  ensure_initialized();
  std::shared_ptr<YaraRules> out(new YaraRules());
  YR_COMPILER* compiler = nullptr;
  if (yr_compiler_create(&compiler) != ERROR_SUCCESS) throw RuntimeError("libyara: cannot create a compiler");
  CompileErrors errors;
  yr_compiler_set_callback(compiler, on_compile_message, &errors);
  for (auto& [name, text] : files) {
    errors.current_file = name;
    auto slash = name.rfind('/');
    std::string ns = name.substr(slash == std::string::npos ? 0 : slash + 1);
    if (yr_compiler_add_string(compiler, text.c_str(), ns.c_str()) != 0)
      break;  // the compiler is unusable after an error
    out->files_.push_back(name);
  }
  if (!errors.messages.empty()) {
    yr_compiler_destroy(compiler);
    std::string all;
    for (auto& m : errors.messages) all += (all.empty() ? "" : "; ") + m;
    throw RuntimeError("YARA rules do not compile: " + all, "rules");
  }
  if (yr_compiler_get_rules(compiler, &out->rules_) != ERROR_SUCCESS) {
    yr_compiler_destroy(compiler);
    throw RuntimeError("libyara: cannot build the rules");
  }
  yr_compiler_destroy(compiler);
  YR_RULE* rule;
  yr_rules_foreach(out->rules_, rule) { ++out->count_; }
  return out;
}

YaraRules::~YaraRules() {
  if (rules_) yr_rules_destroy(rules_);
}

YaraScanner::YaraScanner(std::shared_ptr<YaraRules> rules, int timeout_seconds) : rules_(std::move(rules)) {
  if (yr_scanner_create(rules_->get(), &scanner_) != ERROR_SUCCESS)
    throw RuntimeError("libyara: cannot create a scanner");
  yr_scanner_set_callback(scanner_, reinterpret_cast<YR_CALLBACK_FUNC>(&YaraScanner::callback), this);
  yr_scanner_set_timeout(scanner_, timeout_seconds);
  // Fast mode: one match per string is all a finding needs.
  yr_scanner_set_flags(scanner_, SCAN_FLAGS_FAST_MODE);
}

YaraScanner::~YaraScanner() {
  if (scanner_) yr_scanner_destroy(scanner_);
}

int YaraScanner::callback(void* context, int message, void* message_data, void* user_data) {
  if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
  auto* self = static_cast<YaraScanner*>(user_data);
  auto* ctx = static_cast<YR_SCAN_CONTEXT*>(context);
  auto* rule = static_cast<YR_RULE*>(message_data);
  YaraMatch m;
  m.rule = rule->identifier;
  m.ns = rule->ns && rule->ns->name ? rule->ns->name : "";
  const YR_META* meta;
  yr_rule_metas_foreach(rule, meta) {
    if (meta->type == META_TYPE_STRING)
      m.meta[meta->identifier] = meta->string;
    else if (meta->type == META_TYPE_INTEGER)
      m.meta[meta->identifier] = std::to_string(meta->integer);
    else
      m.meta[meta->identifier] = meta->integer ? "true" : "false";
  }
  const char* tag;
  yr_rule_tags_foreach(rule, tag) { m.tags.emplace_back(tag); }
  YR_STRING* string;
  yr_rule_strings_foreach(rule, string) {
    // libyara 4.2 keeps its matches at unaligned addresses (VirusTotal/yara#1700): each is copied out
    // before it is read (what yr_string_matches_foreach would read in place).
    YR_MATCH match;
    for (const YR_MATCH* at = ctx->matches[string->idx].head; at != nullptr; at = match.next) {
      std::memcpy(&match, at, sizeof match);
      if (match.is_private) continue;
      auto n = std::min<int32_t>(match.data_length, 80);
      m.hits.push_back(
          {string->identifier, static_cast<uint64_t>(match.base + match.offset),
           printable(std::string_view(reinterpret_cast<const char*>(match.data), static_cast<size_t>(n)))});
      break;
    }
    if (m.hits.size() >= 8) break;
  }
  self->current_.push_back(std::move(m));
  return CALLBACK_CONTINUE;
}

std::vector<YaraMatch> YaraScanner::scan(const void* data, size_t size, std::string* error) {
  current_.clear();
  int rc = yr_scanner_scan_mem(scanner_, static_cast<const uint8_t*>(data), size);
  if (rc != ERROR_SUCCESS && error)
    *error = rc == ERROR_SCAN_TIMEOUT ? "timeout" : "libyara error " + std::to_string(rc);
  return std::move(current_);
}

}  // namespace unmine
