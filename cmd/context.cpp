#include "cmd/context.h"

#include <cstdlib>
#include <filesystem>

#include "case/case_registry.h"

namespace unmine {

const Output& Context::out() {
  if (!out_) out_.emplace(opt.json);
  return *out_;
}

const HostRoot& Context::host() {
  if (!host_) host_ = std::make_unique<HostRoot>(HostPaths{opt.root, opt.proc, opt.sys});
  return *host_;
}

const Playbook& Context::playbook() {
  if (!playbook_) playbook_ = Playbook::load("cryptomining", opt.playbook_dir);
  return *playbook_;
}

std::string Context::case_dir() const {
  if (!opt.case_dir.empty()) return opt.case_dir;
  if (const char* env = std::getenv("UNMINE_CASE"); env && *env) return env;
  return "unmine-case";
}

CaseStore& Context::case_store() {
  if (case_) return *case_;
  case_ = CaseStore::open(case_dir(), "cryptomining", opt.root);
  if (case_->created())
    if (auto problem = register_case_folder(case_->dir()); !problem.empty())
      out().note("unmine: case folder not registered (" + problem + "): a later hunt will scan it as any folder");
  return *case_;
}

CaseStore& Context::existing_case() {
  if (!case_) case_layout().require_existing();
  return case_store();
}

Effects& Context::effects() {
  if (!effects_) effects_ = make_real_effects();
  return *effects_;
}

std::optional<std::string> Context::case_inside_root() const {
  std::error_code ec;
  auto c = std::filesystem::weakly_canonical(std::filesystem::absolute(case_dir(), ec), ec).string();
  auto r = std::filesystem::weakly_canonical(std::filesystem::absolute(opt.root, ec), ec).string();
  if (ec || c.empty() || r.empty()) return std::nullopt;
  if (r == "/") return c;
  if (c.starts_with(r + "/")) return c.substr(r.size());
  return std::nullopt;
}

}  // namespace unmine
