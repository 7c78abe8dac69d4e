// Schnorr proof of knowledge of x with X = x*G, non-interactive (Fiat-Shamir), compact form
// (challenge, response) (docs/spec.md, "Schnorr proof").
//
//   prover:   u random; U = u*G; c = H("tabella/v1/proof/schnorr"; Q, context, X, U); v = u + c*x
//   verifier: X != identity; U' = v*G - c*X; accept iff c == H(...; Q, context, X, U')
//
// Used for guardian key and coefficient commitments. Encoding: c || v, 64 bytes.
// Thread-safety: value type; make() draws from the given Rng (see random.h).
#pragma once

#include <array>
#include <cstdint>

#include "tabella/crypto/group.h"
#include "tabella/crypto/hash.h"
#include "tabella/crypto/random.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

inline constexpr char kSchnorrTag[] = "tabella/v1/proof/schnorr";

struct SchnorrProof {
  static constexpr std::size_t kSize = 2 * Scalar::kSize;  // 64

  Scalar challenge;  // c
  Scalar response;   // v

  // REQUIRES: X == x*G (checked by assert in debug builds)
  static SchnorrProof make(const Digest& q, const Scalar& x, const Point& X, ByteView context,
                           Rng& rng = SystemRng::instance());
  // kInvalidProof with a message saying which check failed.
  Status verify(const Digest& q, const Point& X, ByteView context) const;

  std::array<std::uint8_t, kSize> encode() const;
  // Exactly 64 bytes, both scalars < n. Errors name field "challenge"/"response".
  static Result<SchnorrProof> decode(ByteView bytes);
};

}  // namespace tabella
