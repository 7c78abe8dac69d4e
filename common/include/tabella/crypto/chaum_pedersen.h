// Chaum-Pedersen proof of equal discrete logarithms, non-interactive, compact form
// (docs/spec.md, "Chaum-Pedersen proof"): proves log_G(X) == log_H(Y) (= x).
//
//   prover:   u random; a = u*G; b = u*H;
//             c = H("tabella/v1/proof/chaum-pedersen"; Q, context, H, X, Y, a, b); v = u + c*x
//   verifier: H, X, Y != identity; a' = v*G - c*X; b' = v*H - c*Y;
//             accept iff c == H(...; Q, context, H, X, Y, a', b')
//
// Used for partial decryptions: X = the guardian's public share key, H = the ciphertext's alpha,
// Y = the partial decryption x*alpha. Encoding: c || v, 64 bytes.
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

inline constexpr char kChaumPedersenTag[] = "tabella/v1/proof/chaum-pedersen";

struct ChaumPedersenProof {
  static constexpr std::size_t kSize = 2 * Scalar::kSize;  // 64

  Scalar challenge;  // c
  Scalar response;   // v

  // REQUIRES: X == x*G and Y == x*H (checked by assert in debug builds)
  static ChaumPedersenProof make(const Digest& q, const Scalar& x, const Point& H, const Point& X,
                                 const Point& Y, ByteView context,
                                 Rng& rng = SystemRng::instance());
  // kInvalidProof with a message saying which check failed.
  Status verify(const Digest& q, const Point& H, const Point& X, const Point& Y,
                ByteView context) const;

  std::array<std::uint8_t, kSize> encode() const;
  // Exactly 64 bytes, both scalars < n. Errors name field "challenge"/"response".
  static Result<ChaumPedersenProof> decode(ByteView bytes);
};

}  // namespace tabella
