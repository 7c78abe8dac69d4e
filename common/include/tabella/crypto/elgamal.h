// Exponential ElGamal over P-256 under the joint election key K (docs/spec.md, "ElGamal").
//
//   Encrypt(m; r) = (A, B) = (r*G, m*G + r*K)          A is "alpha" (pad), B is "beta" (data)
//   Decrypt with s (K = s*G):  m*G = B - s*A, then m from a DlogTable (dlog.h).
//   Homomorphic: Enc(m1; r1) + Enc(m2; r2) = Enc(m1 + m2; r1 + r2), componentwise point addition.
//
// Encoding of a ciphertext: A || B, each 33-byte compressed SEC1, 66 bytes in all. decode()
// refuses the identity for either point (no honest ciphertext has one).
// Thread-safety: value types. ElectionPublicKey is immutable and cheap to copy (shared state);
// one instance may be used from any number of threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "tabella/crypto/group.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

struct Ciphertext {
  static constexpr std::size_t kSize = 2 * Point::kSize;  // 66
  using Encoding = std::array<std::uint8_t, kSize>;

  Point alpha;  // A = r*G
  Point beta;   // B = m*G + r*K

  // (A1 + A2, B1 + B2): encrypts m1 + m2 under nonce r1 + r2.
  Ciphertext operator+(const Ciphertext& o) const;
  bool operator==(const Ciphertext& o) const;

  // A || B (identity points encode as 33 zero bytes; only sums can produce them).
  Encoding encode() const;
  // Exactly 66 bytes; both points valid and not the identity. Errors name field "alpha"/"beta".
  static Result<Ciphertext> decode(ByteView bytes);
};

// The election public key K with its fixed-base tables (a*K and a*K + b*P in one EC_POINT_mul).
class ElectionPublicKey {
 public:
  // REQUIRES: !k.is_identity()
  explicit ElectionPublicKey(const Point& k);

  const Point& point() const { return state_->k; }
  const FixedBase& fixed() const { return state_->fixed; }
  // Compressed SEC1 of K, cached because every proof hashes it.
  const Point::Encoding& encoded() const { return state_->encoded; }

 private:
  struct State {
    Point k;
    Point::Encoding encoded;
    FixedBase fixed;
  };
  std::shared_ptr<const State> state_;
};

// (r*G, m*G + r*K). m and r are secret: both go through OpenSSL's constant-time P-256 code.
// REQUIRES: r is fresh and uniform for every encryption (Scalar::random_nonzero).
Ciphertext encrypt(const ElectionPublicKey& key, std::uint64_t m, const Scalar& r);

// (A + r2*G, B + r2*K): the same plaintext under nonce r + r2.
Ciphertext rerandomize(const ElectionPublicKey& key, const Ciphertext& c, const Scalar& r2);

// m*G = B - s*A, for the holder of the secret s with K = s*G (or, with a share, one term of it).
Point decrypt_to_point(const Scalar& secret, const Ciphertext& c);

// The componentwise sum of all ciphertexts; the empty sum is (identity, identity) = Enc(0; 0).
Ciphertext sum(std::span<const Ciphertext> ciphertexts);

}  // namespace tabella
