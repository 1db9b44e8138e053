#pragma once
// The playbook's YARA rules (playbooks/cryptomining/rules/*.yar) compiled once through libyara, and a
// per-thread scanner over memory buffers. A rule's meta says what its match means for hunt:
// group (tooling, miner, ...), kind (tool.webshell, file.miner_binary, ...), severity, description.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "playbook/playbook.h"

struct YR_RULES;
struct YR_SCAN_CONTEXT;  // libyara: YR_SCANNER

namespace unmine {

struct YaraMatch {
  std::string rule;
  std::string ns;  // the rules file it came from
  std::map<std::string, std::string> meta;
  std::vector<std::string> tags;
  // Matched strings: identifier, offset and the matched bytes (printable, at most 80 bytes).
  struct Hit {
    std::string id;
    uint64_t offset = 0;
    std::string data;
  };
  std::vector<Hit> hits;
};

class YaraRules {
 public:
  // Compiles every rules/*.yar of the playbook (one namespace each). Throws RuntimeError with the file,
  // line and message of every compile error.
  static std::shared_ptr<YaraRules> compile(const Playbook& playbook);
  static std::shared_ptr<YaraRules> compile_sources(const std::vector<std::pair<std::string, std::string>>& files);
  ~YaraRules();
  YaraRules(const YaraRules&) = delete;
  YaraRules& operator=(const YaraRules&) = delete;

  YR_RULES* get() const { return rules_; }
  size_t rule_count() const { return count_; }
  const std::vector<std::string>& files() const { return files_; }

 private:
  YaraRules() = default;
  YR_RULES* rules_ = nullptr;
  size_t count_ = 0;
  std::vector<std::string> files_;
};

// One per thread (a libyara scanner is not shared between threads).
class YaraScanner {
 public:
  explicit YaraScanner(std::shared_ptr<YaraRules> rules, int timeout_seconds = 20);
  ~YaraScanner();
  YaraScanner(const YaraScanner&) = delete;
  YaraScanner& operator=(const YaraScanner&) = delete;

  // Matches of the rules over the buffer. A scan error (timeout, too many matches) is returned as
  // `error` beside the matches found so far.
  std::vector<YaraMatch> scan(const void* data, size_t size, std::string* error = nullptr);

 private:
  std::shared_ptr<YaraRules> rules_;
  YR_SCAN_CONTEXT* scanner_ = nullptr;
  std::vector<YaraMatch> current_;
  static int callback(void* context, int message, void* message_data, void* user_data);
};

}  // namespace unmine
