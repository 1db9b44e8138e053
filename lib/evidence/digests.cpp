#include "evidence/digests.h"

#include <stdexcept>

#include "core/hex.h"

namespace unmine {
namespace {

EVP_MD_CTX* make(const EVP_MD* md) {
  auto* c = EVP_MD_CTX_new();
  if (!c || EVP_DigestInit_ex(c, md, nullptr) != 1) throw std::runtime_error("OpenSSL digest init failed");
  return c;
}

std::string final_hex(EVP_MD_CTX* c) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(c, md, &len);
  return to_hex(std::string_view(reinterpret_cast<char*>(md), len));
}

}  // namespace

SplitDigests::SplitDigests() : sha256_(make(EVP_sha256())), sha1_(make(EVP_sha1())), md5_(make(EVP_md5())) {}

SplitDigests::~SplitDigests() {
  EVP_MD_CTX_free(sha256_);
  EVP_MD_CTX_free(sha1_);
  EVP_MD_CTX_free(md5_);
}

std::vector<ChunkSink> SplitDigests::sinks() {
  return {
      [this](const char* d, size_t n) { EVP_DigestUpdate(md5_, d, n); },
      [this](const char* d, size_t n) {
        EVP_DigestUpdate(sha256_, d, n);
        EVP_DigestUpdate(sha1_, d, n);
        size_ += n;
      },
  };
}

Digests SplitDigests::finish() {
  Digests d;
  d.sha256 = final_hex(sha256_);
  d.sha1 = final_hex(sha1_);
  d.md5 = final_hex(md5_);
  d.size = size_;
  return d;
}

}  // namespace unmine
