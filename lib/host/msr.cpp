#include "host/msr.h"

#include "core/text.h"

namespace unmine {

std::optional<std::string> msr_allow_writes(const HostRoot& host) {
  auto f = host.read_sys("module/msr/parameters/allow_writes", 64);
  if (!f) return std::nullopt;
  return std::string(trim(f->data));
}

bool msr_allows_writes(std::string_view value) { return value == "on" || value == "1" || value == "Y"; }

}  // namespace unmine
