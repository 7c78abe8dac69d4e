// Randomness: OpenSSL's CSPRNG in production; a seeded deterministic stream for known-answer
// tests. Every function that draws nonces takes an Rng&, so tests can replay a transcript.
// Thread-safety: SystemRng is safe to share; a SeededRng must not be shared between threads.
#pragma once

#include <cstdint>
#include <span>

#include "tabella/util/bytes.h"

namespace tabella {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
};

// RAND_priv_bytes from OpenSSL's default DRBG. Aborts if the DRBG fails (no entropy).
class SystemRng final : public Rng {
 public:
  void fill(std::span<std::uint8_t> out) override;
  static SystemRng& instance();
};

// Deterministic stream: block_i = SHA-256("tabella/v1/seeded-rng" || seed || u64be(i)).
// For tests and documented vectors only; never for real ballots.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(ByteView seed);
  explicit SeededRng(std::string_view seed) : SeededRng(as_bytes(seed)) {}
  ~SeededRng() override;
  void fill(std::span<std::uint8_t> out) override;

 private:
  Bytes seed_;
  std::uint64_t counter_ = 0;
  std::uint8_t block_[32] = {};
  std::size_t used_ = 32;
};

}  // namespace tabella
