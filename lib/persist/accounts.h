#pragma once
// Accounts an attacker adds to come back: a login shell and a password set within the compromise window
// (shadow's last-change day), and any second account with uid 0.
#include <map>
#include <string>
#include <string_view>

#include "persist/scan_context.h"

namespace unmine {

// /etc/shadow: the day (since 1970-01-01) each account's password last changed; accounts without one
// (empty field) are left out.
std::map<std::string, long> parse_shadow_last_change(std::string_view text);

// A shell that lets the account log in (not nologin, false, sync, halt, shutdown).
bool is_login_shell(std::string_view shell);

void scan_accounts(ScanContext& ctx);

}  // namespace unmine
