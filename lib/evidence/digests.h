#pragma once
// SHA-256, SHA-1 and MD5 of one stream, split so each can run on its own thread (MD5 alone is as slow as
// the other two together). Produces the same Digests as core/hashing.h MultiHasher.
#include <openssl/evp.h>

#include <memory>

#include "core/hashing.h"
#include "evidence/fanout.h"

namespace unmine {

class SplitDigests {
 public:
  SplitDigests();
  ~SplitDigests();
  SplitDigests(const SplitDigests&) = delete;
  SplitDigests& operator=(const SplitDigests&) = delete;

  // Two sinks for fanout_fd: {MD5} and {SHA-256, SHA-1}.
  std::vector<ChunkSink> sinks();
  Digests finish();

 private:
  EVP_MD_CTX* sha256_;
  EVP_MD_CTX* sha1_;
  EVP_MD_CTX* md5_;
  uint64_t size_ = 0;
};

}  // namespace unmine
