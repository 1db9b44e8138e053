#pragma once
// Cryptocurrency wallet addresses, checked by their real checksums (Monero Keccak-256 over its block-wise
// base58, Bitcoin base58check and bech32/bech32m, Ethereum EIP-55, Ravencoin base58check), so a random
// 95-character string is not taken for a wallet.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace unmine {

struct WalletMatch {
  std::string address;
  std::string coin;  // monero | bitcoin | ethereum | ravencoin | litecoin | dogecoin | bitcoin-testnet
  // monero: standard | integrated | subaddress; base58check coins: p2pkh | p2sh; segwit: bech32 (v0) |
  // bech32m (v1+); ethereum: eip55 (mixed case, checksum checked) | unchecksummed (single case: EIP-55
  // defines no checksum for it, so checksum_valid is true without one).
  std::string kind;
  bool checksum_valid = false;
  size_t offset = 0;  // where it starts in the scanned text (find_wallets)
};

// Checks one candidate token. nullopt when it does not have the shape of any known address; a shaped
// candidate whose checksum fails comes back with checksum_valid = false.
std::optional<WalletMatch> check_wallet(std::string_view token);

// Keccak-256 (original padding, as Monero and Ethereum use it) of data, lowercase hex.
std::string keccak256_hex(std::string_view data);

// Every wallet-shaped token in a text (cmdline, config, script), each checked. Tokens are runs of ASCII
// letters and digits, so "WALLET.worker", "WALLET+diff" and "--user=WALLET" yield the wallet.
std::vector<WalletMatch> find_wallets(std::string_view text);

}  // namespace unmine
