// Secret scalars do not outlive their use: after a secret passed through scalar arithmetic and
// point multiplication and every Scalar holding it was destroyed, no copy of it is left in the
// process's writable memory (heap, OpenSSL's BN_CTX pools and scratch BIGNUMs, freed blocks).
//
// The scan reads every writable mapping through /proc/self/mem (so unmapped or poisoned pages
// cannot crash it or trip the sanitizers) and looks for the secret both as the Scalar stores it
// (32 bytes big-endian) and as a BIGNUM does (64-bit limbs, least significant first: the bytes
// reversed). The test keeps only a masked copy of the secret, so its own copy is not found.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tabella/crypto/group.h"
#include "tabella/crypto/random.h"

namespace tabella {
namespace {

constexpr std::uint8_t kMask = 0xA5;
using Masked = std::array<std::uint8_t, 32>;

// How many times the secret (big-endian or limb order) occurs in writable memory.
int count_in_memory(const Masked& masked_be) {
  Masked masked_le = masked_be;
  std::reverse(masked_le.begin(), masked_le.end());
  int fd = ::open("/proc/self/mem", O_RDONLY);
  if (fd < 0) return -1;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  int found = 0;
  std::vector<std::uint8_t> buf;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms;
    in >> range >> perms;
    if (perms.size() < 2 || perms[0] != 'r' || perms[1] != 'w') continue;
    if (line.find("[vvar]") != std::string::npos || line.find("[vsyscall]") != std::string::npos)
      continue;
    auto dash = range.find('-');
    std::uint64_t lo = std::stoull(range.substr(0, dash), nullptr, 16);
    std::uint64_t hi = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (hi - lo > (std::uint64_t{1} << 30)) continue;  // sanitizer shadow reservations
    const std::uint64_t chunk = 1 << 20;
    for (std::uint64_t at = lo; at < hi; at += chunk) {
      std::uint64_t n = std::min(chunk + 31, hi - at);
      buf.resize(n);
      ssize_t got = ::pread(fd, buf.data(), n, static_cast<off_t>(at));
      if (got < 32) continue;
      // memchr jumps to each place where the first byte matches (a byte-by-byte loop took
      // 30 s per scan in the sanitizer build); the rest is compared unmasking on the fly, so the
      // plain secret never exists in this function.
      for (const Masked* pattern : std::array<const Masked*, 2>{&masked_be, &masked_le}) {
        const std::uint8_t first = (*pattern)[0] ^ kMask;
        const std::uint8_t* p = buf.data();
        const std::uint8_t* end = buf.data() + got;
        while (end - p >= 32) {
          const auto* hit = static_cast<const std::uint8_t*>(
              std::memchr(p, first, static_cast<std::size_t>(end - p - 31)));
          if (hit == nullptr) break;
          bool match = true;
          for (int j = 1; j < 32 && match; ++j) match = (hit[j] ^ kMask) == (*pattern)[j];
          const auto i = static_cast<std::uint64_t>(hit - buf.data());
          if (match && (i < chunk || at + chunk >= hi)) ++found;
          p = hit + 1;
        }
      }
    }
  }
  ::close(fd);
  return found;
}

// Draws a secret, returns it masked; the Scalar's bytes are wiped when `use` returns.
template <class Use>
Masked with_secret(const std::string& seed, Use use) {
  SeededRng rng(seed);
  Scalar x = Scalar::random_nonzero(rng);
  Masked masked{};
  const auto& e = x.encode();
  for (int i = 0; i < 32; ++i) masked[i] = e[i] ^ kMask;
  use(x, masked);
  return masked;
}

TEST(SecretMemory, TheScanFindsALiveSecret) {
  with_secret("secret-memory-live", [](const Scalar& x, const Masked& masked) {
    ASSERT_FALSE(x.is_zero());
    EXPECT_GE(count_in_memory(masked), 1) << "the scan cannot see the live Scalar";
  });
}

TEST(SecretMemory, NoCopyOfASecretSurvivesArithmeticAndPointMultiplication) {
  Masked masked = with_secret("secret-memory-used", [](const Scalar& x, const Masked&) {
    Scalar y = Scalar::from_u64(7);
    Scalar p = x * y;          // BN_mod_mul with the per-thread scratch and a BN_CTX
    Scalar inv = x.inverse();  // BN_mod_inverse
    Scalar sum = x + y;
    Point a = Point::base_mul(x);
    Point b = Point::generator() * x;
    Point c = Point::base_mul_add(y, x, Point::generator());
    EXPECT_FALSE(p.is_zero() || inv.is_zero() || sum.is_zero());
    EXPECT_TRUE(a == b);
    (void)c;
  });
  EXPECT_EQ(count_in_memory(masked), 0) << "a copy of the secret survived its use";
}

}  // namespace
}  // namespace tabella
