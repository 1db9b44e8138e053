#pragma once
// Streaming SHA-256, SHA-1 and MD5 over one read (OpenSSL EVP): IoC feeds use all three.
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace unmine {

struct Digests {
  std::string sha256, sha1, md5;  // lowercase hex
  uint64_t size = 0;
};

class MultiHasher {
 public:
  MultiHasher();
  ~MultiHasher();
  MultiHasher(const MultiHasher&) = delete;
  MultiHasher& operator=(const MultiHasher&) = delete;
  void update(const void* data, size_t n);
  Digests finish();

 private:
  EVP_MD_CTX* ctx_[3];
  uint64_t size_ = 0;
};

// Hashes everything readable from fd (from its current offset). nullopt on a read error.
std::optional<Digests> hash_fd(int fd);
std::string sha256_hex(std::string_view data);

}  // namespace unmine
