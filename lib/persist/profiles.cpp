#include "persist/profiles.h"

#include "persist/init_scripts.h"

namespace unmine {
namespace {

void scan_profile(ScanContext& ctx, const std::string& path, const std::string& user) {
  auto f = ctx.read_once(path, "shell_profile");
  if (!f) return;
  for (auto& l : script_lines(f->data)) {
    Candidate c{"shell_profile", Group::persistence, path, l.line, std::string(l.text), user};
    ctx.consider(c, l.text);
  }
}

}  // namespace

void scan_profiles(ScanContext& ctx) {
  for (std::string p : {"/etc/profile", "/etc/bash.bashrc", "/etc/environment", "/etc/zsh/zshrc", "/etc/zsh/zprofile"})
    scan_profile(ctx, p, "root");
  for (auto& name : ctx.names_in("/etc/profile.d")) scan_profile(ctx, join_path("/etc/profile.d", name), "root");
  for (auto& u : ctx.users)
    for (std::string_view f :
         {".profile", ".bash_profile", ".bash_login", ".bashrc", ".bash_logout", ".zshrc", ".zprofile"})
      scan_profile(ctx, join_path(u.home, f), u.name);
}

}  // namespace unmine
