#include "core/hashing.h"

#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "core/hex.h"

namespace unmine {

MultiHasher::MultiHasher() {
  const EVP_MD* mds[3] = {EVP_sha256(), EVP_sha1(), EVP_md5()};
  for (int i = 0; i < 3; ++i) {
    ctx_[i] = EVP_MD_CTX_new();
    if (!ctx_[i] || EVP_DigestInit_ex(ctx_[i], mds[i], nullptr) != 1)
      throw std::runtime_error("OpenSSL digest init failed");
  }
}

MultiHasher::~MultiHasher() {
  for (auto* c : ctx_) EVP_MD_CTX_free(c);
}

void MultiHasher::update(const void* data, size_t n) {
  for (auto* c : ctx_) EVP_DigestUpdate(c, data, n);
  size_ += n;
}

Digests MultiHasher::finish() {
  Digests d;
  std::string* out[3] = {&d.sha256, &d.sha1, &d.md5};
  for (int i = 0; i < 3; ++i) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_[i], md, &len);
    *out[i] = to_hex(std::string_view(reinterpret_cast<char*>(md), len));
  }
  d.size = size_;
  return d;
}

std::optional<Digests> hash_fd(int fd) {
  MultiHasher h;
  std::vector<char> buf(1 << 20);
  for (;;) {
    auto n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<size_t>(n));
  }
  return h.finish();
}

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return to_hex(std::string_view(reinterpret_cast<char*>(md), len));
}

}  // namespace unmine
