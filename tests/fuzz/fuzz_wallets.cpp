// Wallet addresses (Monero base58 with Keccak checksum, Bitcoin, Ethereum) in any text.
#include "fuzz_input.h"
#include "model/wallets.h"

using namespace unmine;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::select(data, size, 2);
  if (in.which == 0)
    find_wallets(in.rest);
  else
    check_wallet(in.rest);
  return 0;
}
