#include "persist/ssh_keys.h"

#include "core/text.h"

namespace unmine {
namespace {

bool is_key_type(std::string_view t) {
  return t.starts_with("ssh-") || t.starts_with("ecdsa-sha2-") || t.starts_with("sk-ssh-") ||
         t.starts_with("sk-ecdsa-") || t.find("-cert-v01@openssh.com") != std::string_view::npos;
}

// The options field ends at the first space outside double quotes; \" escapes a quote inside.
std::optional<size_t> options_end(std::string_view line) {
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\' && quoted && i + 1 < line.size())
      ++i;
    else if (c == '"')
      quoted = !quoted;
    else if ((c == ' ' || c == '\t') && !quoted)
      return i;
  }
  if (quoted) return std::nullopt;
  return line.size();
}

std::vector<std::string> split_options(std::string_view opts) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < opts.size(); ++i) {
    char c = opts[i];
    if (c == '\\' && quoted && i + 1 < opts.size() && opts[i + 1] == '"')
      cur += opts[++i];
    else if (c == '"')
      quoted = !quoted;
    else if (c == ',' && !quoted)
      out.push_back(std::move(cur)), cur.clear();
    else
      cur += c;
  }
  out.push_back(std::move(cur));
  return out;
}

}  // namespace

AuthorizedKeysParse parse_authorized_keys(std::string_view text) {
  AuthorizedKeysParse out;
  int n = 0;
  for (auto raw : lines(text)) {
    ++n;
    auto line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    AuthorizedKey k;
    k.line = n;
    k.text = raw;
    std::string_view rest = line;
    auto first_end = rest.find_first_of(" \t");
    if (!is_key_type(rest.substr(0, first_end))) {
      auto end = options_end(rest);
      if (!end) {
        out.anomalies.push_back({n, "unterminated quote in key options"});
        k.options = split_options(rest);
        rest = {};
      } else {
        k.options = split_options(rest.substr(0, *end));
        rest = trim(rest.substr(*end));
      }
      for (auto& o : k.options)
        if (starts_with_icase(o, "command=")) k.command = o.substr(8);
    }
    auto type_end = rest.find_first_of(" \t");
    k.type = std::string(rest.substr(0, type_end));
    rest = type_end == std::string_view::npos ? std::string_view{} : trim(rest.substr(type_end));
    auto blob_end = rest.find_first_of(" \t");
    auto blob = rest.substr(0, blob_end);
    k.comment = blob_end == std::string_view::npos ? "" : std::string(trim(rest.substr(blob_end)));
    if (!is_key_type(k.type) || blob.empty()) out.anomalies.push_back({n, "not a public key line"});
    out.keys.push_back(std::move(k));
  }
  return out;
}

void scan_ssh_keys(ScanContext& ctx) {
  for (auto& u : ctx.users) {
    for (std::string_view file : {".ssh/authorized_keys", ".ssh/authorized_keys2"}) {
      auto path = join_path(u.home, file);
      auto f = ctx.read_once(path, "ssh_key");
      if (!f) continue;
      auto parsed = parse_authorized_keys(f->data);
      ctx.anomalies(path, parsed.anomalies);
      bool flagged = false;
      for (auto& k : parsed.keys) {
        Candidate c{"ssh_key", Group::persistence, path, k.line, std::string(k.text), u.name};
        auto tie = ctx.consider(c, k.text);
        if (tie.tied()) {
          flagged = true;
          continue;
        }
        // A comment or option naming a campaign (TeamTNT's hilde@teamtnt.red, Outlaw's mdrfckr): the key
        // is the attacker's whatever else the line says.
        std::string said = k.comment;
        for (auto& o : k.options) said += " " + o;
        if (auto word = ctx.rules.campaign_word_in(said)) {
          ctx.report(c, Tie{TieLevel::malicious, "campaign_key", *word, "pattern"}, Severity::high, true, k.text,
                     "authorized SSH key of a known campaign (" + printable(*word) + ") in " + printable(path) + ":" +
                         std::to_string(k.line));
          flagged = true;
          continue;
        }
        // A forced command is how a key restarts something at every login: shown even when benign.
        if (tie.level == TieLevel::none && k.command)
          ctx.report(c, Tie{TieLevel::lookalike, "lookalike.forced_command", *k.command, "pattern"}, Severity::info,
                     false, k.text,
                     "authorized SSH key with a forced command in " + printable(path) + ":" + std::to_string(k.line) +
                         " (judge by hand): " + printable(*k.command),
                     "new");
      }
      // sshd reads authorized_keys2 only for old configurations: a second key file is where keys hide.
      if (file.ends_with("2") && !flagged && !parsed.keys.empty()) {
        Candidate c{"ssh_key", Group::persistence, path, std::nullopt, "authorized_keys2", u.name};
        ctx.report(c, Tie{TieLevel::lookalike, "authorized_keys2", path, "path"}, Severity::low, false, path,
                   "a second authorized keys file " + printable(path) + " (" + std::to_string(parsed.keys.size()) +
                       " key(s)): sshd still reads it unless AuthorizedKeysFile says otherwise; judge by hand",
                   "new");
      }
    }
  }
}

}  // namespace unmine
