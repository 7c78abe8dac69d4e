// The tally (docs/spec.md, "Tally"): the homomorphic sum of the cast ballots, the guardians'
// partial decryptions of it, and their combination into counts.
//
//   tally[c][j]  = sum over cast ballots of (A, B)[c][j], componentwise; the empty sum is
//                  (O, O), encoded as 66 zero bytes (identity points encode as 33 zero bytes)
//   partial      M_l[c][j] = s_l*A[c][j] with a Chaum-Pedersen proof of log_G(S_l) == log_A(M_l)
//                (threshold.h PartialDecryption, Q = Q-bar, caller context
//                 u32be(len id) || contest id || u32be(j)); when A[c][j] = O the share is O and
//                the proof is (0, 0): nothing to prove, and nothing else is accepted
//   combine      w_l Lagrange coefficients over the guardians present (threshold.h);
//                count*G = B - sum_l w_l*M_l;  count by baby-step giant-step in 0..cast_count
//
// Thread-safety: TallyAccumulator is a value type that must not be shared while add() runs;
// build one per thread and merge(). The free functions are pure (partial_decrypt draws from the
// given Rng).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "tabella/crypto/dlog.h"
#include "tabella/crypto/elgamal.h"
#include "tabella/crypto/group.h"
#include "tabella/crypto/random.h"
#include "tabella/election/context.h"
#include "tabella/election/manifest.h"
#include "tabella/record/bodies.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::election {

// Sums cast ballots selection by selection.
class TallyAccumulator {
 public:
  // Every sum starts at (O, O).
  explicit TallyAccumulator(const Manifest& manifest);

  // REQUIRES: verify_ballot(ctx, ballot).ok() for the context of this manifest (the shape
  // matches; checked by assert)
  void add(const record::EncryptedBallot& ballot);
  // Adds another accumulator's sums and count (parallel tallying).
  // REQUIRES: both built from the same manifest
  void merge(const TallyAccumulator& other);

  // The encrypted-tally body covering the log entries [0, log_size).
  record::EncryptedTallyBody finish(std::uint64_t log_size) const;
  std::uint64_t count() const { return count_; }
  const std::vector<std::vector<Ciphertext>>& sums() const { return sums_; }
  // An accumulator holding these sums of `count` ballots (start-up from stored state).
  // Errors: sums not of the manifest's shape (kInvalidArgument).
  static Result<TallyAccumulator> resume(const Manifest& manifest,
                                         std::vector<std::vector<Ciphertext>> sums,
                                         std::uint64_t count);

 private:
  std::vector<std::vector<Ciphertext>> sums_;
  std::uint64_t count_ = 0;
};

// Checks that a tally has the manifest's shape (contests, selections per contest). Errors
// name "contests" or "contests[c]" (kInvalidArgument).
Status check_tally_shape(const Manifest& manifest, const record::EncryptedTallyBody& tally);

// Chaum-Pedersen caller context of selection j of `contest_id`:
//   u32be(len id) || id || u32be(j)   (Writer().text(id).u32(j)); threshold.h prefixes
//   "pdec" || u32be(l).
Bytes tally_selection_context(std::string_view contest_id, std::uint32_t selection);

// Guardian l's partial decryption of every selection of the tally.
// Errors: index outside 1..n (kOutOfRange, "index"), a tally whose shape differs from the
// manifest (check_tally_shape).
// REQUIRES: secret_share is guardian `guardian_index`'s s_l
Result<record::PartialDecryptionBody> partial_decrypt(const ElectionContext& ctx,
                                                      std::uint32_t guardian_index,
                                                      const Scalar& secret_share,
                                                      const record::EncryptedTallyBody& tally,
                                                      Rng& rng = SystemRng::instance());

// Every share's proof against S_l = public_share_key (threshold.h public_share_key). Errors name
// the place: "contests[2][0].proof" (kInvalidProof), shapes (kInvalidArgument), index outside
// 1..n (kOutOfRange, "index").
Status verify_partial_decryption(const ElectionContext& ctx, const Point& public_share_key,
                                 const record::EncryptedTallyBody& tally,
                                 const record::PartialDecryptionBody& partial);

// Combines the partial decryptions of all guardians present (at least the quorum k, indices in
// 1..n, each once) and recovers every count with `dlog` (its max_value must be >= cast_count).
// result.guardians lists the present indices in increasing order.
// Errors: below quorum ("1 partial decryption present (guardian 2), the quorum is 2",
// kConflict, field "partials"), duplicates or bad indices (kInvalidArgument / kOutOfRange,
// "partials[p].index"), shapes, a dlog table too small (kLimit), a count outside 0..cast_count
// (kOutOfRange, "contests[c][j]").
// REQUIRES: every partial passed verify_partial_decryption (not re-checked here)
Result<record::ResultBody> combine_tally(const ElectionContext& ctx,
                                         const record::EncryptedTallyBody& tally,
                                         std::span<const record::PartialDecryptionBody> partials,
                                         const DlogTable& dlog);

// Checks a published result without a dlog table: result.guardians strictly increasing, in
// 1..n, at least k of them, each with exactly one partial in `partials` (others are ignored);
// cast_count equal to the tally's; and for every selection count <= cast_count and
// count*G == B - sum_l w_l*M_l. Errors name "guardians", "cast_count" or "counts[c][j]".
// REQUIRES: every partial passed verify_partial_decryption (not re-checked here)
Status verify_result(const ElectionContext& ctx, const record::EncryptedTallyBody& tally,
                     std::span<const record::PartialDecryptionBody> partials,
                     const record::ResultBody& result);

}  // namespace tabella::election
