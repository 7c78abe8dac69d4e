// The threshold election key (docs/spec.md, "Threshold key"): Feldman VSS among n guardians with
// quorum k, the joint election key, partial decryptions and their Lagrange combination.
//
//   guardian i:  a_{i,0..k-1} random non-zero;  C_{i,j} = a_{i,j}*G, each with a Schnorr proof;
//                share-encryption key pair (e_i, E_i = e_i*G) with its own Schnorr proof
//   share:       s_{i,l} = P_i(l) = sum_j a_{i,j} * l^j, sent encrypted to E_l (share_encryption.h)
//   check:       s_{i,l}*G == sum_j l^j * C_{i,j}
//   joint key:   K = sum_i C_{i,0};  guardian l's secret s_l = sum_i s_{i,l},
//                public share key S_l = s_l*G = sum_i sum_j l^j * C_{i,j}
//   partial:     M_l = s_l*A with a Chaum-Pedersen proof of log_G(S_l) == log_A(M_l)
//   combine:     w_l = prod_{m in Q, m != l} m / (m - l) mod n;  m*G = B - sum_{l in Q} w_l * M_l
//
// Guardian indices are 1..n; 0 is never an index (P_i(0) is the secret). Proof contexts are
// fixed byte strings defined below and in the spec.
// Thread-safety: value types and pure functions; GuardianSecrets is not shared between threads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tabella/crypto/chaum_pedersen.h"
#include "tabella/crypto/elgamal.h"
#include "tabella/crypto/group.h"
#include "tabella/crypto/hash.h"
#include "tabella/crypto/random.h"
#include "tabella/crypto/schnorr.h"
#include "tabella/crypto/share_encryption.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella {

// n guardians, any k of them decrypt.
struct ThresholdParams {
  std::uint32_t guardians = 0;  // n
  std::uint32_t quorum = 0;     // k
  // kInvalidArgument unless 1 <= k <= n.
  Status validate() const;
};

// Schnorr context for C_{i,j}:  "coef" || u32be(i) || u32be(j)   (12 bytes)
Bytes coefficient_proof_context(std::uint32_t guardian, std::uint32_t j);
// Schnorr context for E_i:      "enc" || u32be(i)                (7 bytes)
Bytes encryption_key_proof_context(std::uint32_t guardian);
// Chaum-Pedersen context for M_l: "pdec" || u32be(l) || caller_context
Bytes partial_decryption_context(std::uint32_t guardian, ByteView caller_context);

// What guardian i publishes in the key ceremony.
struct GuardianCommitments {
  std::uint32_t index = 0;           // i, 1..n
  std::vector<Point> coefficients;   // C_{i,j} = a_{i,j}*G, j = 0..k-1
  std::vector<SchnorrProof> proofs;  // proofs[j] proves knowledge of a_{i,j}
  Point encryption_key;              // E_i = e_i*G
  SchnorrProof encryption_key_proof;

  // index >= 1; exactly `quorum` coefficients and proofs; every Schnorr proof verifies under Q;
  // E_i != C_{i,0}. Errors name the field ("proofs[2]", "encryption_key_proof", ...).
  Status verify(const Digest& q, std::uint32_t quorum) const;
};

// All n guardians' commitments: each verifies, and the indices are exactly {1..n}, once each
// (in any order). Errors are prefixed "guardians[<position>]".
Status verify_commitment_set(const Digest& q, const ThresholdParams& params,
                             std::span<const GuardianCommitments> guardians);

// Guardian i's secrets: polynomial coefficients a_{i,j} and share-encryption secret e_i.
// Zeroised on destruction; move-only.
class GuardianSecrets {
 public:
  // REQUIRES: index >= 1, quorum >= 1
  static GuardianSecrets generate(std::uint32_t index, std::uint32_t quorum,
                                  Rng& rng = SystemRng::instance());

  GuardianSecrets(GuardianSecrets&&) noexcept = default;
  GuardianSecrets& operator=(GuardianSecrets&&) noexcept = default;
  GuardianSecrets(const GuardianSecrets&) = delete;
  GuardianSecrets& operator=(const GuardianSecrets&) = delete;
  ~GuardianSecrets() = default;  // every Scalar zeroises itself

  // C_{i,j}, E_i and their Schnorr proofs (contexts above). Draws proof nonces from rng.
  GuardianCommitments commitments(const Digest& q, Rng& rng = SystemRng::instance()) const;
  // s_{i,l} = P_i(l).  REQUIRES: l >= 1
  Scalar share_for(std::uint32_t l) const;
  // s_{i,l} encrypted to recipient l's E_l (recipient.index is l).
  Result<EncryptedShare> encrypt_share_for(const Digest& q, const GuardianCommitments& recipient,
                                           Rng& rng = SystemRng::instance()) const;

  std::uint32_t index() const { return index_; }
  std::uint32_t quorum() const { return static_cast<std::uint32_t>(coefficients_.size()); }
  const std::vector<Scalar>& coefficients() const { return coefficients_; }  // a_{i,0..k-1}
  const Scalar& encryption_secret() const { return encryption_secret_; }     // e_i

  // Storage form: u32be(i) || u32be(k) || a_{i,0} .. a_{i,k-1} || e_i  (scalars 32 bytes BE).
  SecretBytes encode() const;
  static Result<GuardianSecrets> decode(ByteView bytes);

 private:
  GuardianSecrets() = default;
  std::uint32_t index_ = 0;
  std::vector<Scalar> coefficients_;
  Scalar encryption_secret_;
};

// sum_j l^j * C_j (Horner's rule): the public image P(l)*G of a committed polynomial.
// REQUIRES: l >= 1
Point evaluate_commitments(std::uint32_t l, std::span<const Point> coefficients);

// Feldman check s*G == sum_j l^j * C_{i,j}. kInvalidProof names the sender and recipient.
Status verify_share(const Scalar& share, std::uint32_t recipient,
                    const GuardianCommitments& sender);

// Decrypts the share addressed to `recipient` and checks it against the sender's commitments.
// Errors: index mismatch (kInvalidArgument), decryption (share_encryption.h), Feldman check.
Result<Scalar> receive_share(const Digest& q, const EncryptedShare& encrypted,
                             const GuardianSecrets& recipient, const GuardianCommitments& sender);

// s_l = sum_i s_{i,l} over the shares guardian l received from all n guardians (its own included).
Scalar combine_shares(std::span<const Scalar> shares);

// K = sum_i C_{i,0}.  REQUIRES: guardians passed verify_commitment_set
Point joint_key(std::span<const GuardianCommitments> guardians);
// S_l = sum_i sum_j l^j * C_{i,j}.  REQUIRES: l >= 1, guardians passed verify_commitment_set
Point public_share_key(std::uint32_t l, std::span<const GuardianCommitments> guardians);

// Guardian l's share of the decryption of one ciphertext (A, B).
struct PartialDecryption {
  static constexpr std::size_t kSize = 4 + Point::kSize + ChaumPedersenProof::kSize;  // 101
  using Encoding = std::array<std::uint8_t, kSize>;

  std::uint32_t guardian = 0;  // l
  Point share;                 // M_l = s_l*A
  ChaumPedersenProof proof;    // log_G(S_l) == log_A(M_l), context partial_decryption_context

  // Errors: guardian 0 (kInvalidArgument), A is the identity (kInvalidArgument).
  static Result<PartialDecryption> make(const Digest& q, std::uint32_t guardian,
                                        const Scalar& secret_share, const Ciphertext& ciphertext,
                                        ByteView context, Rng& rng = SystemRng::instance());
  // Checks the proof against S_l = public_share_key (kInvalidProof on failure).
  Status verify(const Digest& q, const Point& public_share_key, const Ciphertext& ciphertext,
                ByteView context) const;

  // u32be(l) || M_l (33) || proof (64)
  Encoding encode() const;
  static Result<PartialDecryption> decode(ByteView bytes);
};

// w_l for the present set Q. Errors (kInvalidArgument / kOutOfRange, field "present"): invalid
// params, |Q| < k, an index 0 or > n, a duplicate, or l not in Q.
Result<Scalar> lagrange_coefficient(const ThresholdParams& params, std::uint32_t l,
                                    std::span<const std::uint32_t> present);

// m*G = B - sum_{l in Q} w_l * M_l, Q = the partials' guardians. Does NOT check the proofs: call
// PartialDecryption::verify on each first, or use verify_and_combine.
Result<Point> combine_partials(const ThresholdParams& params, const Ciphertext& ciphertext,
                               std::span<const PartialDecryption> partials);

// Verifies every partial against S_l from the (already verified) commitments, then combines.
// Errors are prefixed "partials[<position>]".
Result<Point> verify_and_combine(const Digest& q, const ThresholdParams& params,
                                 std::span<const GuardianCommitments> guardians,
                                 const Ciphertext& ciphertext,
                                 std::span<const PartialDecryption> partials, ByteView context);

}  // namespace tabella
