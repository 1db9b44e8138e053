#include "report/uuid.h"

#include <openssl/evp.h>

#include "core/error.h"
#include "core/hex.h"

namespace unmine {

std::string uuid_v5(std::string_view ns, std::string_view name) {
  std::string bytes;
  for (size_t i = 0; i < ns.size(); ++i) {
    if (ns[i] == '-') continue;
    if (i + 1 >= ns.size()) throw RuntimeError("malformed UUID namespace");
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = nib(ns[i]), lo = nib(ns[i + 1]);
    if (hi < 0 || lo < 0) throw RuntimeError("malformed UUID namespace");
    bytes.push_back(static_cast<char>(hi * 16 + lo));
    ++i;
  }
  if (bytes.size() != 16) throw RuntimeError("malformed UUID namespace");
  bytes.append(name);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha1(), nullptr) != 1) throw RuntimeError("SHA-1 failed");
  md[6] = static_cast<unsigned char>((md[6] & 0x0F) | 0x50);
  md[8] = static_cast<unsigned char>((md[8] & 0x3F) | 0x80);
  auto h = to_hex(std::string_view(reinterpret_cast<char*>(md), 16));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}

}  // namespace unmine
