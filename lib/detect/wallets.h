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
  std::string coin;  // monero | bitcoin | ethereum | ravencoin | ...
  std::string kind;  // standard | integrated | subaddress | p2pkh | p2sh | bech32 | bech32m | eip55 | ...
  bool checksum_valid = false;
  size_t offset = 0;  // where it starts in the scanned text (find_wallets)
};

// Checks one candidate token. nullopt when it does not have the shape of any known address; a shaped
// candidate whose checksum fails comes back with checksum_valid = false.
std::optional<WalletMatch> check_wallet(std::string_view token);

// Every wallet-shaped token in a text (cmdline, config, script), each checked.
std::vector<WalletMatch> find_wallets(std::string_view text);

}  // namespace unmine
