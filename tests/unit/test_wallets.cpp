#include <doctest/doctest.h>

#include <random>

#include "model/wallets.h"

using namespace unmine;

namespace {

// Public, well-known addresses (donation funds, protocol test vectors, burn addresses).
struct Valid {
  const char* address;
  const char* coin;
  const char* kind;
};
const Valid kValid[] = {
    {"44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A", "monero",
     "standard"},
    {"4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge", "monero",
     "standard"},
    {"4LL9oSLmtpccfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2bYXZKKQePHES9khPK",
     "monero", "integrated"},
    {"8BTd81B7syWcfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv25pnJx6", "monero",
     "subaddress"},
    {"888tNkZrPN6JsEgekjMnABU4TBzc2Dt29EPAvkRxbANsAnjyPbb3iQ1YBRk1UXcdRsiKc9dhwMVgN5S9cQUiyoogDavup3H", "monero",
     "subaddress"},
    {"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "bitcoin", "p2pkh"},
    {"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "bitcoin", "p2sh"},
    {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bitcoin", "bech32"},  // BIP-173
    {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bitcoin", "bech32"},
    {"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "bitcoin-testnet", "bech32"},
    {"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "bitcoin", "bech32m"},  // BIP-350
    {"bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", "bitcoin", "bech32m"},
    {"BC1SW50QGDZ25J", "bitcoin", "bech32m"},
    {"bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "bitcoin", "bech32m"},
    {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "ethereum", "eip55"},  // EIP-55
    {"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", "ethereum", "eip55"},
    {"0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "ethereum", "eip55"},
    {"0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", "ethereum", "eip55"},
    {"0x52908400098527886e0f7030069857d2e4169ee7", "ethereum", "unchecksummed"},
    {"0x8617E340B3D01FA5F11F306F4090FD50E238070D", "ethereum", "unchecksummed"},
    {"RXissueAssetXXXXXXXXXXXXXXXXXhhZGt", "ravencoin", "p2pkh"},
    {"RXBurnXXXXXXXXXXXXXXXXXXXXXXWUo9FV", "ravencoin", "p2pkh"},
    {"LVg2kJoFNg45Nbpy53h7Fe1wKyeXVRhMH9", "litecoin", "p2pkh"},
    {"DH5yaieqoZN36fDVciNyRueRGvGLR3mr7L", "dogecoin", "p2pkh"},
};

// Replaces one character by the next of its own alphabet (keeping case for hex and bech32).
std::string corrupt(std::string s, size_t at) {
  auto next_in = [](std::string_view alphabet, char c) { return alphabet[(alphabet.find(c) + 1) % alphabet.size()]; };
  char& c = s[at];
  if (s.starts_with("0x"))
    c = c <= '9' ? next_in("0123456789", c) : c <= 'F' ? next_in("ABCDEF", c) : next_in("abcdef", c);
  else if (s.starts_with("bc1") || s.starts_with("tb1"))
    c = next_in("qpzry9x8gf2tvdw0s3jn54khce6mua7l", c);
  else if (s.starts_with("BC1"))
    c = next_in("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", c);
  else
    c = next_in("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", c);
  return s;
}

}  // namespace

TEST_CASE("Keccak-256 uses the original padding, not SHA3's") {
  CHECK(keccak256_hex("") == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(keccak256_hex("abc") == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
  // More than one 136-byte block, and exactly one block (the padding then takes a block of its own).
  CHECK(keccak256_hex(std::string(200, 'a')).size() == 64);
  CHECK(keccak256_hex(std::string(136, 'a')) != keccak256_hex(std::string(135, 'a')));
}

TEST_CASE("real addresses validate with their coin and kind") {
  for (auto& v : kValid) {
    CAPTURE(v.address);
    auto m = check_wallet(v.address);
    REQUIRE(m);
    CHECK(m->coin == v.coin);
    CHECK(m->kind == v.kind);
    CHECK(m->checksum_valid);
  }
}

TEST_CASE("one-character corruptions fail the checksum") {
  for (auto& v : kValid) {
    if (std::string_view(v.kind) == "unchecksummed") continue;
    std::string a = v.address;
    for (size_t at : {a.size() / 2, a.size() - 1, size_t(a.starts_with("0x") ? 5 : 6)}) {
      auto bad = corrupt(a, at);
      CAPTURE(bad);
      if (bad == a) continue;
      auto m = check_wallet(bad);
      if (std::string_view(v.coin) == "monero" || std::string_view(v.coin) == "ethereum") REQUIRE(m);  // shape kept
      if (m) CHECK_FALSE(m->checksum_valid);
    }
  }
}

TEST_CASE("wrong segwit encodings and mixed case fail") {
  struct Row {
    const char* address;
  };
  const Row rows[] = {
      {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"},  // checksum
      {"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"},  // v0 with a bech32m checksum (BIP-350)
      {"bc1qW508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"},  // mixed case
  };
  for (auto& r : rows) {
    CAPTURE(r.address);
    auto m = check_wallet(r.address);
    REQUIRE(m);
    CHECK_FALSE(m->checksum_valid);
  }
  auto eth = check_wallet("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD");  // last letter's case flipped
  REQUIRE(eth);
  CHECK(eth->kind == "eip55");
  CHECK_FALSE(eth->checksum_valid);
}

TEST_CASE("random base58 strings of Monero's shape are not valid wallets") {
  const std::string alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  std::mt19937 rng(42);
  for (int n = 0; n < 200; ++n) {
    std::string s = "4";
    while (s.size() < 95) s += alphabet[rng() % alphabet.size()];
    auto m = check_wallet(s);
    if (m) CHECK_FALSE(m->checksum_valid);
  }
}

TEST_CASE("non-addresses have no wallet shape") {
  for (auto t :
       {"", "hello", "xmrig", "0x1234", "stratum+tcp://pool:3333", "1111111111111111111111111111111111111111111"})
    CHECK_FALSE(check_wallet(t));
}

TEST_CASE("find_wallets finds addresses inside logins, options and configs") {
  const std::string xmr =
      "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";
  struct Row {
    std::string text;
    std::string address;
    size_t offset;
  };
  const Row rows[] = {
      {xmr + ".worker1", xmr, 0},
      {xmr + "+50000", xmr, 0},
      {"--user=" + xmr, xmr, 7},
      {"{\"user\": \"" + xmr + ".rig\", \"pass\": \"x\"}", xmr, 10},
      {"WALLET=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", 7},
      {"-u bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4.w", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", 3},
  };
  for (auto& r : rows) {
    CAPTURE(r.text);
    auto found = find_wallets(r.text);
    REQUIRE(found.size() == 1);
    CHECK(found[0].address == r.address);
    CHECK(found[0].offset == r.offset);
    CHECK(found[0].checksum_valid);
  }
  CHECK(find_wallets("nothing here; just words and 0xdeadbeef").empty());
  CHECK(find_wallets(std::string(300, 'A')).empty());
}
