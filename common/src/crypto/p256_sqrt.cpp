#include "p256_sqrt.h"

namespace tabella::detail {
namespace {

using u64 = std::uint64_t;
__extension__ using u128 = unsigned __int128;
using Fe = std::array<u64, 4>;  // little-endian 64-bit limbs

constexpr Fe kP = {0xFFFFFFFFFFFFFFFFULL, 0x00000000FFFFFFFFULL, 0, 0xFFFFFFFF00000001ULL};

// a + carry * 2^256, known to be below 2p, reduced below p.
inline Fe reduce_once(const Fe& a, u64 carry) {
  Fe d{};
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) {
    u128 t = static_cast<u128>(a[i]) - kP[i] - borrow;
    d[i] = static_cast<u64>(t);
    borrow = static_cast<u64>(t >> 64) & 1;
  }
  return (carry != 0 || borrow == 0) ? d : a;
}

// t / 2^256 mod p for t < p * 2^256 (Montgomery reduction), one limb at a time. Because
// p = -1 mod 2^64, the multiple of p that clears limb i is m = t[i] itself, and m * p needs one
// real product: p's limbs are 2^64 - 1 (adds m at the next limb), 2^32 - 1, 0, and
// 0xFFFFFFFF00000001.
inline Fe mont_reduce(u64 t[8]) {
  u64 over = 0;  // the carry out of limb i + 4 of the previous step, added at limb i + 4 now
  for (int i = 0; i < 4; ++i) {
    const u64 m = t[i];
    u128 c = static_cast<u128>(m);  // (t[i] + m * (2^64 - 1)) / 2^64
    c += static_cast<u128>(m) * kP[1] + t[i + 1];
    t[i + 1] = static_cast<u64>(c);
    c >>= 64;
    c += t[i + 2];
    t[i + 2] = static_cast<u64>(c);
    c >>= 64;
    c += static_cast<u128>(m) * kP[3] + t[i + 3];
    t[i + 3] = static_cast<u64>(c);
    c >>= 64;
    c += static_cast<u128>(t[i + 4]) + over;
    t[i + 4] = static_cast<u64>(c);
    over = static_cast<u64>(c >> 64);
  }
  return reduce_once({t[4], t[5], t[6], t[7]}, over);  // below 2p, so over is 0 or 1
}

// a * b / 2^256 mod p: the full 512-bit product, then the reduction.
inline Fe mont_mul(const Fe& a, const Fe& b) {
  u64 t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 4; ++i) {
    u128 c = 0;
    for (int j = 0; j < 4; ++j) {
      c += static_cast<u128>(a[j]) * b[i] + t[i + j];
      t[i + j] = static_cast<u64>(c);
      c >>= 64;
    }
    t[i + 4] = static_cast<u64>(c);
  }
  return mont_reduce(t);
}

// a^2 / 2^256 mod p: the six cross products once, doubled, plus the four squares.
inline Fe mont_sqr(const Fe& a) {
  u64 t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  u128 c = static_cast<u128>(a[0]) * a[1];
  t[1] = static_cast<u64>(c);
  c >>= 64;
  c += static_cast<u128>(a[0]) * a[2];
  t[2] = static_cast<u64>(c);
  c >>= 64;
  c += static_cast<u128>(a[0]) * a[3];
  t[3] = static_cast<u64>(c);
  t[4] = static_cast<u64>(c >> 64);
  c = static_cast<u128>(a[1]) * a[2] + t[3];
  t[3] = static_cast<u64>(c);
  c >>= 64;
  c += static_cast<u128>(a[1]) * a[3] + t[4];
  t[4] = static_cast<u64>(c);
  t[5] = static_cast<u64>(c >> 64);
  c = static_cast<u128>(a[2]) * a[3] + t[5];
  t[5] = static_cast<u64>(c);
  t[6] = static_cast<u64>(c >> 64);
  for (int k = 7; k > 0; --k) t[k] = (t[k] << 1) | (t[k - 1] >> 63);
  c = 0;
  for (int k = 0; k < 4; ++k) {
    c += static_cast<u128>(a[k]) * a[k] + t[2 * k];
    t[2 * k] = static_cast<u64>(c);
    c >>= 64;
    c += t[2 * k + 1];
    t[2 * k + 1] = static_cast<u64>(c);
    c >>= 64;
  }
  return mont_reduce(t);
}

Fe sqr_n(Fe x, int n) {
  for (int i = 0; i < n; ++i) x = mont_sqr(x);
  return x;
}

// 2^512 mod p, for conversion into Montgomery form: 2^256 mod p doubled 256 times.
Fe r_squared() {
  Fe r{};
  u64 borrow = 0;
  for (int i = 0; i < 4; ++i) {  // 2^256 - p
    u128 t = static_cast<u128>(0) - kP[i] - borrow;
    r[i] = static_cast<u64>(t);
    borrow = static_cast<u64>(t >> 64) & 1;
  }
  for (int k = 0; k < 256; ++k) {
    const u64 carry = r[3] >> 63;
    for (int i = 3; i > 0; --i) r[i] = (r[i] << 1) | (r[i - 1] >> 63);
    r[0] <<= 1;
    r = reduce_once(r, carry);
  }
  return r;
}

}  // namespace

std::array<std::uint8_t, 32> p256_sqrt_candidate(const std::array<std::uint8_t, 32>& a) {
  static const Fe kR2 = r_squared();
  Fe x{};
  for (int i = 0; i < 32; ++i) x[3 - i / 8] = (x[3 - i / 8] << 8) | a[static_cast<std::size_t>(i)];
  x = mont_mul(x, kR2);
  // (p + 1) / 4 = (2^32 - 1) * 2^222 + 2^190 + 2^94.
  const Fe x2 = mont_mul(sqr_n(x, 1), x);        // x^(2^2 - 1)
  const Fe x4 = mont_mul(sqr_n(x2, 2), x2);      // x^(2^4 - 1)
  const Fe x8 = mont_mul(sqr_n(x4, 4), x4);      // x^(2^8 - 1)
  const Fe x16 = mont_mul(sqr_n(x8, 8), x8);     // x^(2^16 - 1)
  const Fe x32 = mont_mul(sqr_n(x16, 16), x16);  // x^(2^32 - 1)
  Fe t = mont_mul(sqr_n(x32, 32), x);            // x^((2^32 - 1) * 2^32 + 1)
  t = mont_mul(sqr_n(t, 96), x);                 // x^((2^32 - 1) * 2^128 + 2^96 + 1)
  t = sqr_n(t, 94);                              // x^((2^32 - 1) * 2^222 + 2^190 + 2^94)
  t = mont_mul(t, Fe{1, 0, 0, 0});               // out of Montgomery form
  std::array<std::uint8_t, 32> out{};
  for (int i = 0; i < 32; ++i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(t[3 - i / 8] >> (8 * (7 - i % 8)));
  }
  return out;
}

}  // namespace tabella::detail
