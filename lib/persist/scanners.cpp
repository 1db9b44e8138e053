#include "persist/scanners.h"

#include "persist/accounts.h"
#include "persist/at_jobs.h"
#include "persist/cron.h"
#include "persist/hosts_file.h"
#include "persist/init_scripts.h"
#include "persist/ld_preload.h"
#include "persist/modprobe.h"
#include "persist/profiles.h"
#include "persist/ssh_keys.h"
#include "persist/sysctl.h"
#include "persist/systemd.h"
#include "persist/udev.h"
#include "persist/xdg_autostart.h"

namespace unmine {

const std::vector<PersistenceScanner>& persistence_scanners() {
  static const std::vector<PersistenceScanner> scanners = {
      {"cron", scan_cron},
      {"at jobs", scan_at_jobs},
      {"systemd", scan_systemd},
      {"init scripts", scan_init_scripts},
      {"ld.so.preload", scan_ld_preload},
      {"ssh keys", scan_ssh_keys},
      {"shell profiles", scan_profiles},
      {"xdg autostart", scan_xdg_autostart},
      {"udev", scan_udev},
      {"sysctl", scan_sysctl},
      {"modprobe", scan_modprobe},
      {"hosts file", scan_hosts_file},
      {"accounts", scan_accounts},
  };
  return scanners;
}

}  // namespace unmine
