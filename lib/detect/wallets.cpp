// Placeholder until the wallet checks land: nothing is a wallet.
#include "detect/wallets.h"

namespace unmine {

std::optional<WalletMatch> check_wallet(std::string_view) { return std::nullopt; }

std::vector<WalletMatch> find_wallets(std::string_view) { return {}; }

}  // namespace unmine
