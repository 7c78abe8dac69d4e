#include "tabella/crypto/random.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "tabella/util/canonical.h"

namespace tabella {

void SystemRng::fill(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (RAND_priv_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    std::fputs("tabella: the OpenSSL random generator failed\n", stderr);
    std::abort();
  }
}

SystemRng& SystemRng::instance() {
  static SystemRng rng;
  return rng;
}

SeededRng::SeededRng(ByteView seed) : seed_(seed.begin(), seed.end()) {}

SeededRng::~SeededRng() {
  secure_zero(block_, sizeof block_);
  if (!seed_.empty()) secure_zero(seed_.data(), seed_.size());
}

void SeededRng::fill(std::span<std::uint8_t> out) {
  static constexpr char kTag[] = "tabella/v1/seeded-rng";
  std::size_t done = 0;
  while (done < out.size()) {
    if (used_ == sizeof block_) {
      const auto ctr = u64be(counter_);
      ++counter_;
      EVP_MD_CTX* ctx = EVP_MD_CTX_new();
      unsigned int len = 0;
      if (ctx == nullptr || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1 ||
          EVP_DigestUpdate(ctx, kTag, sizeof kTag - 1) != 1 ||
          EVP_DigestUpdate(ctx, seed_.data(), seed_.size()) != 1 ||
          EVP_DigestUpdate(ctx, ctr.data(), ctr.size()) != 1 ||
          EVP_DigestFinal_ex(ctx, block_, &len) != 1) {
        std::abort();
      }
      EVP_MD_CTX_free(ctx);
      used_ = 0;
    }
    std::size_t n = std::min(out.size() - done, sizeof block_ - used_);
    std::memcpy(out.data() + done, block_ + used_, n);
    used_ += n;
    done += n;
  }
}

}  // namespace tabella
