#include "model/wallets.h"

#include <nettle/sha3.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/hex.h"

namespace unmine {
namespace {

constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

int base58_value(char c) {
  auto at = kBase58.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

bool all_base58(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return base58_value(c) >= 0; });
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

using Bytes = std::vector<unsigned char>;

// Keccak-256 as Monero and Ethereum use it: the original Keccak padding (0x01 ... 0x80), not FIPS-202
// SHA3-256 (0x06). OpenSSL 3.0 has no Keccak-256, so the sponge (absorb, pad, squeeze) is built here on
// nettle's Keccak-f[1600] permutation, nettle_sha3_permute; the permutation itself is the library's.
std::array<unsigned char, 32> keccak256(std::string_view data) {
  constexpr size_t kRate = 136;  // bytes: 1600 bits - 2 * 256 bits of capacity
  sha3_state st{};
  auto absorb_block = [&](const unsigned char* block) {
    for (size_t lane = 0; lane < kRate / 8; ++lane) {
      uint64_t v = 0;
      for (int b = 7; b >= 0; --b) v = (v << 8) | block[lane * 8 + static_cast<size_t>(b)];  // little-endian lanes
      st.a[lane] ^= v;
    }
    sha3_permute(&st);
  };
  auto p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  for (; n >= kRate; p += kRate, n -= kRate) absorb_block(p);
  unsigned char last[kRate] = {};
  std::memcpy(last, p, n);
  last[n] ^= 0x01;
  last[kRate - 1] ^= 0x80;
  absorb_block(last);
  std::array<unsigned char, 32> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<unsigned char>(st.a[i / 8] >> (8 * (i % 8)));
  return out;
}

std::array<unsigned char, 32> sha256(const unsigned char* data, size_t n) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  EVP_Digest(data, n, out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

// Bitcoin-style base58 (one big number, leading '1's are zero bytes).
std::optional<Bytes> base58_decode(std::string_view s) {
  Bytes num;  // big-endian
  for (char c : s) {
    int v = base58_value(c);
    if (v < 0) return std::nullopt;
    unsigned carry = static_cast<unsigned>(v);
    // From the last byte up, by index: clang 14 (the sanitized build) rejects libstdc++ 12's reverse view.
    for (size_t i = num.size(); i-- > 0;) {
      carry += 58u * num[i];
      num[i] = static_cast<unsigned char>(carry & 0xff);
      carry >>= 8;
    }
    while (carry) {
      num.insert(num.begin(), static_cast<unsigned char>(carry & 0xff));
      carry >>= 8;
    }
  }
  size_t zeros = 0;
  while (zeros < s.size() && s[zeros] == '1') ++zeros;
  Bytes out(zeros, 0);
  out.insert(out.end(), num.begin(), num.end());
  return out;
}

// Monero's base58: 8-byte blocks each written as exactly 11 characters, the last block shorter.
std::optional<Bytes> monero_base58_decode(std::string_view s) {
  // Characters of a final block -> its byte count (an encoded length absent here is malformed).
  constexpr int kBlockBytes[12] = {0, -1, 1, 2, -1, 3, 4, 5, -1, 6, 7, 8};
  Bytes out;
  for (size_t i = 0; i < s.size(); i += 11) {
    auto block = s.substr(i, 11);
    int bytes = kBlockBytes[block.size()];
    if (bytes < 0) return std::nullopt;
    unsigned __int128 v = 0;
    for (char c : block) {
      int d = base58_value(c);
      if (d < 0) return std::nullopt;
      v = v * 58 + static_cast<unsigned>(d);
    }
    if (bytes < 8 && (v >> (8 * bytes)) != 0) return std::nullopt;
    if (bytes == 8 && (v >> 64) != 0) return std::nullopt;
    for (int b = bytes - 1; b >= 0; --b) out.push_back(static_cast<unsigned char>(v >> (8 * b)));
  }
  return out;
}

std::optional<WalletMatch> check_monero(std::string_view token) {
  if (token.size() != 95 && token.size() != 106) return std::nullopt;
  if (token[0] != '4' && token[0] != '8') return std::nullopt;
  if (!all_base58(token)) return std::nullopt;
  WalletMatch m;
  m.address = std::string(token);
  m.coin = "monero";
  m.kind = token.size() == 106 ? "integrated" : token[0] == '8' ? "subaddress" : "standard";
  // Mainnet network tags (a one-byte varint): 18 standard, 19 integrated, 42 subaddress.
  const unsigned char tag = m.kind == "integrated" ? 19 : m.kind == "subaddress" ? 42 : 18;
  auto raw = monero_base58_decode(token);
  const size_t want = token.size() == 106 ? 77 : 69;  // tag + spend key + view key (+ payment id) + checksum
  if (raw && raw->size() == want && (*raw)[0] == tag) {
    auto body = std::string_view(reinterpret_cast<const char*>(raw->data()), raw->size() - 4);
    auto h = keccak256(body);
    m.checksum_valid = std::equal(h.begin(), h.begin() + 4, raw->end() - 4);
  }
  return m;
}

struct Base58Version {
  unsigned char version;
  const char* coin;
  const char* kind;
};
// Version bytes of the base58check addresses recognised (protocol constants, not indicators).
constexpr Base58Version kBase58Versions[] = {
    {0, "bitcoin", "p2pkh"},   {5, "bitcoin", "p2sh"},   {60, "ravencoin", "p2pkh"}, {122, "ravencoin", "p2sh"},
    {48, "litecoin", "p2pkh"}, {50, "litecoin", "p2sh"}, {30, "dogecoin", "p2pkh"},  {22, "dogecoin", "p2sh"},
};

std::optional<WalletMatch> check_base58check(std::string_view token) {
  if (token.size() < 26 || token.size() > 35) return std::nullopt;
  const Base58Version* shape = nullptr;
  auto raw = base58_decode(token);
  if (!raw || raw->size() != 25) return std::nullopt;
  for (auto& v : kBase58Versions)
    if ((*raw)[0] == v.version) shape = &v;
  if (!shape) return std::nullopt;
  WalletMatch m;
  m.address = std::string(token);
  m.coin = shape->coin;
  m.kind = shape->kind;
  auto h = sha256(raw->data(), 21);
  h = sha256(h.data(), h.size());
  m.checksum_valid = std::equal(h.begin(), h.begin() + 4, raw->begin() + 21);
  return m;
}

// BIP-173 / BIP-350.
constexpr std::string_view kBech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32Const = 1, kBech32mConst = 0x2bc830a3;

uint32_t bech32_polymod(const std::vector<uint8_t>& values) {
  constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (auto v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (int i = 0; i < 5; ++i)
      if ((top >> i) & 1) chk ^= kGen[i];
  }
  return chk;
}

struct SegwitHrp {
  const char* hrp;
  const char* coin;
};
constexpr SegwitHrp kSegwitHrps[] = {{"bc", "bitcoin"}, {"tb", "bitcoin-testnet"}, {"ltc", "litecoin"}};

std::optional<WalletMatch> check_bech32(std::string_view token) {
  if (token.size() < 14 || token.size() > 90) return std::nullopt;
  bool lower = std::none_of(token.begin(), token.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  bool upper = std::none_of(token.begin(), token.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  std::string s(token);
  for (auto& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  auto sep = s.rfind('1');
  if (sep == std::string::npos) return std::nullopt;
  auto hrp = s.substr(0, sep);
  const SegwitHrp* net = nullptr;
  for (auto& h : kSegwitHrps)
    if (hrp == h.hrp) net = &h;
  if (!net || s.size() - sep - 1 < 7) return std::nullopt;
  std::vector<uint8_t> data;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    auto at = kBech32Charset.find(s[i]);
    if (at == std::string_view::npos) return std::nullopt;
    data.push_back(static_cast<uint8_t>(at));
  }
  WalletMatch m;
  m.address = std::string(token);
  m.coin = net->coin;
  std::vector<uint8_t> values;
  for (char c : hrp) values.push_back(static_cast<uint8_t>(c) >> 5);
  values.push_back(0);
  for (char c : hrp) values.push_back(static_cast<uint8_t>(c) & 31);
  values.insert(values.end(), data.begin(), data.end());
  uint32_t pm = bech32_polymod(values);
  const uint8_t witver = data[0];
  m.kind = witver == 0 ? "bech32" : "bech32m";
  if (!(lower || upper) || witver > 16) return m;
  if (pm != (witver == 0 ? kBech32Const : kBech32mConst)) return m;
  // Witness program: 5-bit groups after the version, without the 6 checksum characters, regrouped to bytes.
  std::vector<uint8_t> program;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 1; i + 6 < data.size(); ++i) {
    acc = (acc << 5) | data[i];
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      program.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) return m;  // padding must be short and zero
  if (program.size() < 2 || program.size() > 40) return m;
  if (witver == 0 && program.size() != 20 && program.size() != 32) return m;
  m.checksum_valid = true;
  return m;
}

std::optional<WalletMatch> check_ethereum(std::string_view token) {
  if (token.size() != 42 || token[0] != '0' || (token[1] != 'x' && token[1] != 'X')) return std::nullopt;
  auto hex = token.substr(2);
  if (!std::all_of(hex.begin(), hex.end(), is_hex)) return std::nullopt;
  WalletMatch m;
  m.address = std::string(token);
  m.coin = "ethereum";
  bool has_lower = std::any_of(hex.begin(), hex.end(), [](char c) { return c >= 'a' && c <= 'f'; });
  bool has_upper = std::any_of(hex.begin(), hex.end(), [](char c) { return c >= 'A' && c <= 'F'; });
  if (!(has_lower && has_upper)) {
    // EIP-55 leaves single-case addresses unchecksummed: nothing to verify, and nothing wrong.
    m.kind = "unchecksummed";
    m.checksum_valid = true;
    return m;
  }
  m.kind = "eip55";
  std::string lower(hex);
  for (auto& c : lower) c = static_cast<char>(c >= 'A' && c <= 'F' ? c + 32 : c);
  auto h = keccak256(lower);
  m.checksum_valid = true;
  for (size_t i = 0; i < hex.size(); ++i) {
    char c = hex[i];
    if (c < 'A' || (c > 'F' && c < 'a')) continue;  // digits carry no case
    unsigned nibble = (h[i / 2] >> (i % 2 ? 0 : 4)) & 0xf;
    if ((nibble >= 8) != (c >= 'A' && c <= 'F')) m.checksum_valid = false;
  }
  return m;
}

bool is_token_char(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string keccak256_hex(std::string_view data) {
  auto h = keccak256(data);
  return to_hex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

std::optional<WalletMatch> check_wallet(std::string_view token) {
  if (auto m = check_ethereum(token)) return m;
  if (auto m = check_monero(token)) return m;
  if (auto m = check_bech32(token)) return m;
  if (auto m = check_base58check(token)) return m;
  return std::nullopt;
}

std::vector<WalletMatch> find_wallets(std::string_view text) {
  std::vector<WalletMatch> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!is_token_char(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && is_token_char(text[j])) ++j;
    // Addresses are 26..106 characters; longer runs (base64, hex dumps) are not one address.
    if (j - i >= 26 && j - i <= 106) {
      if (auto m = check_wallet(text.substr(i, j - i))) {
        m->offset = i;
        out.push_back(std::move(*m));
      }
    }
    i = j;
  }
  return out;
}

}  // namespace unmine
