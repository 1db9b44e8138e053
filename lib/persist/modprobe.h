#pragma once
// modprobe configuration that lets user space write MSRs at every boot ("options msr allow_writes=on"):
// the RandomX MSR mod XMRig applies, kept across reboots.
#include "persist/scan_context.h"

namespace unmine {

void scan_modprobe(ScanContext& ctx);

}  // namespace unmine
