#pragma once
// Shell start-up files run at every login or interactive shell: /etc/profile, /etc/profile.d/*,
// /etc/bash.bashrc, /etc/environment, and each user's ~/.profile, ~/.bash_profile, ~/.bash_login, ~/.bashrc.
#include "persist/scan_context.h"

namespace unmine {

void scan_profiles(ScanContext& ctx);

}  // namespace unmine
