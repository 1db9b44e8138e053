#pragma once
// The msr module's allow_writes parameter: what RandomX's MSR tweak needs. Read and judged one way for
// validate (detect) and verify.
#include <optional>
#include <string>
#include <string_view>

#include "host/host_root.h"

namespace unmine {

// The parameter's value, trimmed; nullopt when it cannot be read (module not loaded, no sysfs).
std::optional<std::string> msr_allow_writes(const HostRoot& host);
// True for the values that allow writes: "on" (the kernel's word), "1" or "Y" (a boolean parameter).
bool msr_allows_writes(std::string_view value);

}  // namespace unmine
