#include "core/hex.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

namespace unmine {

bool from_hex(std::string_view hex, std::string& out) {
  out.clear();
  if (hex.empty()) return true;
  // OpenSSL also takes "AB:CD": only plain digit pairs are hex here.
  if (hex.size() % 2 ||
      !std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
    return false;
  long len = 0;
  std::string text(hex);
  unsigned char* buf = OPENSSL_hexstr2buf(text.c_str(), &len);
  if (!buf) return false;
  out.assign(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
  OPENSSL_free(buf);
  return true;
}

}  // namespace unmine
