// Range proof for an ElGamal ciphertext: (A, B) encrypts some m with lo <= m <= hi, as a
// disjunctive Chaum-Pedersen proof (Cramer-Damgard-Schoenmakers) with one branch per j in
// lo..hi; branch j states "(A, B - j*G) encrypts 0" (docs/spec.md, "Range proof").
// The 0/1 proof of a selection is the case lo = 0, hi = 1.
//
//   per branch: a_j = v_j*G - c_j*A,  b_j = v_j*K - c_j*(B - j*G)
//   c = H("tabella/v1/proof/range"; Q, context, K, A, B, lo, hi, a_lo, b_lo, ..., a_hi, b_hi)
//   accept iff sum_j c_j == c  (mod n)
//
// The prover never branches on m: every branch is computed by the same operations and the real
// branch is fixed up by constant-time selects (see range_proof.cpp and the spec).
// Encoding: u64be(lo) || u64be(hi) || (c_j || v_j) for j = lo..hi; 16 + 64*(hi-lo+1) bytes.
// Thread-safety: value type; make() draws from the given Rng (see random.h).
#pragma once

#include <cstdint>
#include <vector>

#include "tabella/crypto/elgamal.h"
#include "tabella/crypto/group.h"
#include "tabella/crypto/hash.h"
#include "tabella/crypto/random.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

inline constexpr char kRangeProofTag[] = "tabella/v1/proof/range";

struct RangeProof {
  // Hard limit on the number of branches minus one: hi - lo <= kMaxSpan.
  static constexpr std::uint64_t kMaxSpan = 64;

  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  std::vector<Scalar> challenges;  // c_j, j = lo..hi
  std::vector<Scalar> responses;   // v_j, j = lo..hi

  // REQUIRES: lo <= m <= hi, hi - lo <= kMaxSpan, c == encrypt(key, m, r). Callers check the
  // range first; violating it is a programmer error (assert).
  static RangeProof make(const Digest& q, const ElectionPublicKey& key, const Ciphertext& c,
                         std::uint64_t m, const Scalar& r, std::uint64_t lo, std::uint64_t hi,
                         ByteView context, Rng& rng = SystemRng::instance());
  // kInvalidProof (or kLimit for hi - lo > kMaxSpan) with a message saying which check failed.
  Status verify(const Digest& q, const ElectionPublicKey& key, const Ciphertext& c,
                ByteView context) const;

  Bytes encode() const;
  // Rejects wrong lengths, lo > hi, hi - lo > kMaxSpan, scalars >= n (field "challenges[i]",
  // "responses[i]", i counted from 0 for j = lo).
  static Result<RangeProof> decode(ByteView bytes);
  // Length in bytes of encode(): 16 + 64 * (hi - lo + 1).
  std::size_t size() const;
};

// The disjunctive 0/1 proof of one selection: make() with lo = 0, hi = 1.
// REQUIRES: m <= 1
inline RangeProof make_zero_one_proof(const Digest& q, const ElectionPublicKey& key,
                                      const Ciphertext& c, std::uint64_t m, const Scalar& r,
                                      ByteView context, Rng& rng = SystemRng::instance()) {
  return RangeProof::make(q, key, c, m, r, 0, 1, context, rng);
}

}  // namespace tabella
