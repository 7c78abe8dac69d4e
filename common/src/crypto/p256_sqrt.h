// Private: the square root behind Point::decode, in arithmetic modulo the P-256 field prime.
#pragma once

#include <array>
#include <cstdint>

namespace tabella::detail {

// a^((p + 1) / 4) mod p for a big-endian a < p, where p = 2^256 - 2^224 + 2^192 + 2^96 - 1.
// Since p = 3 mod 4, this is a square root of a exactly when a is a square mod p; the caller
// checks it by squaring. Four 64-bit limbs in Montgomery form and an addition chain of 253
// squarings and 7 multiplications instead of BN_mod_exp_mont's generic window method (a whole
// Point::decode: 11.4 -> 7.3 us, docs/benchmarks.md "Decoding points"). Variable time: for
// public inputs only.
std::array<std::uint8_t, 32> p256_sqrt_candidate(const std::array<std::uint8_t, 32>& a);

}  // namespace tabella::detail
