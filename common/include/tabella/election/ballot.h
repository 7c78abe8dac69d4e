// Ballots (docs/spec.md, "Ballots"): a voter's plaintext choices, their encryption with proofs,
// the hash-chained ballot codes, and the Benaloh challenge that opens a ballot.
//
//   per selection j of contest c:  r = random non-zero;  (A, B) = (r*G, m*G + r*K), m in {0, 1};
//                                  0/1 range proof, context = selection_context(...)
//   per contest c:                 (A_c, B_c) = sum_j (A_j, B_j) encrypts sum_j m_j under
//                                  sum_j r_j; range proof lo = min, hi = max, context =
//                                  contest_context(...)
//   All proofs hash Q-bar (ElectionContext::q_bar) as their Q.
//   chain seed  = H("tabella/v1/ballot-chain-seed"; Q, kiosk key)
//   ballot code = H("tabella/v1/ballot-code"; Q, kiosk key, EncryptedBallot::write bytes)
//   Each ballot carries the kiosk's previous code (the seed for its first), so codes chain.
//
// The encryption never branches on a vote; the plaintext and nonces leave it only in
// BallotSecrets (zeroised on destruction), which the kiosk keeps until the voter casts (then
// wipes) or challenges (then publishes through open_ballot).
// Thread-safety: pure functions on value types. encrypt_ballot draws from the given Rng
// (SystemRng is thread-safe; a SeededRng must not be shared).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/crypto/group.h"
#include "tabella/crypto/hash.h"
#include "tabella/crypto/random.h"
#include "tabella/election/context.h"
#include "tabella/election/manifest.h"
#include "tabella/record/bodies.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::election {

inline constexpr std::string_view kBallotChainSeedTag = "tabella/v1/ballot-chain-seed";
inline constexpr std::string_view kBallotCodeTag = "tabella/v1/ballot-code";

// ------------------------------------------------------------------------- plaintext ballots

// The choices marked in one contest, by id. Order does not matter.
struct ContestMarks {
  std::string contest_id;
  std::vector<std::string> choice_ids;
};

// A voter's ballot before encryption. A contest that is not listed is left blank (no marks).
struct PlaintextBallot {
  std::vector<ContestMarks> contests;
};

// Checks a plaintext ballot against the manifest before anything is encrypted. Errors
// (field "contests[i]" or "contests[i].choice_ids[j]", i and j indices into the ballot):
//   unknown contest id, contest listed twice, unknown choice id, choice marked twice
//     (kInvalidArgument);
//   over-vote:  contest "council": 3 choices marked, at most 2 allowed        (kOutOfRange)
//   too few:    contest "board": 1 choice marked, at least 2 required          (kOutOfRange)
// Marking fewer than max is legal (an under-vote); fewer than min only fails when min > 0.
Status validate(const Manifest& manifest, const PlaintextBallot& ballot);

// 0/1 per selection: marks[c][j] = 1 iff choice j of manifest contest c is marked.
// REQUIRES: validate(manifest, ballot).ok()
std::vector<std::vector<std::uint8_t>> to_marks(const Manifest& manifest,
                                                const PlaintextBallot& ballot);

// The choice ids whose mark is 1, per manifest contest, in ballot order (for display).
// REQUIRES: marks has the manifest's shape (as returned by verify_opening)
std::vector<std::vector<std::string>> marks_to_choice_ids(
    const Manifest& manifest, const std::vector<std::vector<std::uint8_t>>& marks);

// ------------------------------------------------------------------------------- encryption

// What only the kiosk knows about an encrypted ballot: m and r per selection. Zeroised by wipe()
// and on destruction; move-only so that no stray copy survives.
struct BallotSecrets {
  std::vector<std::vector<std::uint8_t>> marks;  // m, per contest, per selection
  std::vector<std::vector<Scalar>> nonces;       // r, per contest, per selection

  BallotSecrets() = default;
  ~BallotSecrets() { wipe(); }
  BallotSecrets(BallotSecrets&& other) noexcept;
  BallotSecrets& operator=(BallotSecrets&& other) noexcept;
  BallotSecrets(const BallotSecrets&) = delete;
  BallotSecrets& operator=(const BallotSecrets&) = delete;

  // Overwrites every mark and nonce with zeros and empties both lists.
  void wipe();
};

// Proof contexts (the spec's "context" input of each range proof):
//   selection:     previous_code (32) || u64be(sequence) || u32be(len id) || id || u32be(j)
//   contest limit: previous_code (32) || u64be(sequence) || u32be(len id) || id
// i.e. Writer().raw(previous_code).u64(sequence).text(contest_id)[.u32(j)].
Bytes contest_context(const Digest& previous_code, std::uint64_t sequence,
                      std::string_view contest_id);
Bytes selection_context(const Digest& previous_code, std::uint64_t sequence,
                        std::string_view contest_id, std::uint32_t selection);

// Validates, then encrypts every selection of the manifest under ctx.key with a 0/1 proof and
// every contest with its limit proof (see the top of this file). Errors: those of validate().
Result<std::pair<record::EncryptedBallot, BallotSecrets>> encrypt_ballot(
    const ElectionContext& ctx, const PlaintextBallot& ballot, std::uint64_t sequence,
    const Digest& previous_code, Rng& rng = SystemRng::instance());

// Shape (contest count, selections per contest, limit proof range == [min, max], selection
// proof range == [0, 1], no identity point) and every proof. Errors name the place:
//   contests[1].selections[3].proof: invalid proof: ...           (kInvalidProof)
//   contests[0].limit_proof: ...                                   (kInvalidProof)
//   contests: expected 3 contests (the manifest's), got 2          (kInvalidArgument)
// Cost: 4 point products per selection, 2*(max-min+1) per contest; each contest's ciphertexts
// are summed once.
Status verify_ballot(const ElectionContext& ctx, const record::EncryptedBallot& ballot);

// ------------------------------------------------------------------------------ ballot codes

// H("tabella/v1/ballot-chain-seed"; Q, kiosk): the previous_code of a kiosk's first ballot.
Digest chain_seed(const Digest& q, const PublicKeyBytes& kiosk);
// H("tabella/v1/ballot-code"; Q, kiosk, bytes of ballot.write()).
Digest ballot_code(const Digest& q, const PublicKeyBytes& kiosk,
                   const record::EncryptedBallot& ballot);
// The first 10 bytes of a code in the typeable form of token.h: "K7QX-M2PA-DD3F-WZ5T".
std::string short_code(const Digest& code);
// The canonical form of a typed short code (typing rules in token.h); kInvalidArgument errors.
Result<std::string> normalize_short_code(std::string_view typed);

// -------------------------------------------------------------------------- Benaloh challenge

// The challenged-ballot body: the ballot with every mark and nonce in the clear.
// REQUIRES: secrets are the ones encrypt_ballot returned with this ballot
record::ChallengedBallotBody open_ballot(const record::EncryptedBallot& ballot,
                                         const BallotSecrets& secrets);

// Recomputes every ciphertext from its (m, r): A == r*G and B == m*G + r*K, and returns the
// marks. Errors: shapes that differ from the manifest (kInvalidArgument, field "ballot.contests",
// "choices[c]", "nonces[c]"), a mark other than 0 or 1 (kOutOfRange, "choices[c][j]"), the first
// selection whose ciphertext does not match (kInvalidProof, "ballot.contests[c].selections[j]").
// Does not check the ballot's proofs: a verifier calls verify_ballot on the ballot as well.
Result<std::vector<std::vector<std::uint8_t>>> verify_opening(
    const ElectionContext& ctx, const record::ChallengedBallotBody& opened);

}  // namespace tabella::election
