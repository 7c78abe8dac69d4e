// The body of each entry type, with its canonical encoding (docs/spec.md §10.2). Bodies carry the
// cryptographic objects in their fixed-width encodings; lists are bounded on decode so that
// hostile input cannot make a reader allocate without limit.
// Thread-safety: value types.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "tabella/crypto/chaum_pedersen.h"
#include "tabella/crypto/ed25519.h"
#include "tabella/crypto/elgamal.h"
#include "tabella/crypto/hash.h"
#include "tabella/crypto/range_proof.h"
#include "tabella/crypto/schnorr.h"
#include "tabella/election/manifest.h"
#include "tabella/util/canonical.h"
#include "tabella/util/result.h"

namespace tabella::record {

inline constexpr std::size_t kMaxTokensPerEntry = 1500;

// election: the ballot definition (canonical JSON text of the manifest) and the ledger's
// checkpoint verifier key (C2SP note verifier key string; may be empty).
struct ElectionBody {
  std::string manifest_json;
  std::string ledger_key;
  Bytes encode() const;
  static Result<ElectionBody> decode(ByteView bytes);
};

struct GuardianEnrolmentBody {
  std::uint32_t index = 0;  // 1..n
  PublicKeyBytes key{};
  std::string name;
  Bytes encode() const;
  static Result<GuardianEnrolmentBody> decode(ByteView bytes);
};

struct GuardianCommitmentsBody {
  std::uint32_t index = 0;
  std::vector<Point> coefficients;  // C_{i,j} = a_{i,j}*G, j = 0..k-1
  std::vector<SchnorrProof> proofs;
  Point encryption_key;  // E_i
  SchnorrProof encryption_key_proof;
  Bytes encode() const;
  static Result<GuardianCommitmentsBody> decode(ByteView bytes);
};

struct GuardianSharesBody {
  std::uint32_t index = 0;
  std::vector<Bytes> shares;  // EncryptedShare encodings, one per other guardian, by recipient
  Bytes encode() const;
  static Result<GuardianSharesBody> decode(ByteView bytes);
};

struct GuardianComplaintBody {
  std::uint32_t index = 0;    // the complaining guardian
  std::uint32_t accused = 0;  // the sender of the bad share
  std::string reason;
  Bytes encode() const;
  static Result<GuardianComplaintBody> decode(ByteView bytes);
};

// shares-verified: guardian `index` decrypted every share addressed to it and each one matched its
// sender's commitments.
struct SharesVerifiedBody {
  std::uint32_t index = 0;
  Bytes encode() const;
  static Result<SharesVerifiedBody> decode(ByteView bytes);
};

// share-reveal: guardian `index` (the accused sender) answers `recipient`'s complaint with the
// share s_{index,recipient} in plaintext, for everyone to check against its commitments.
struct ShareRevealBody {
  std::uint32_t index = 0;      // the sender, who signs this entry
  std::uint32_t recipient = 0;  // the complaining guardian
  Scalar share;                 // s_{index,recipient} = P_index(recipient)
  Bytes encode() const;
  static Result<ShareRevealBody> decode(ByteView bytes);
};

struct ElectionKeyBody {
  Point joint_key;         // K = sum_i C_{i,0}
  Digest extended_hash{};  // Q-bar = H("tabella/v1/extended-base-hash"; Q, K)
  Bytes encode() const;
  static Result<ElectionKeyBody> decode(ByteView bytes);
};

struct KioskEnrolmentBody {
  PublicKeyBytes key{};
  std::string name;
  std::string precinct;
  Bytes encode() const;
  static Result<KioskEnrolmentBody> decode(ByteView bytes);
};

struct KioskRevocationBody {
  PublicKeyBytes key{};
  std::string reason;
  Bytes encode() const;
  static Result<KioskRevocationBody> decode(ByteView bytes);
};

struct TokenCommitmentsBody {
  std::string precinct;
  std::vector<Digest> token_hashes;  // H("tabella/v1/voter-token"; Q, token)
  Bytes encode() const;
  static Result<TokenCommitmentsBody> decode(ByteView bytes);
};

// polls-open.
struct PollsBody {
  std::uint64_t time = 0;  // seconds since the Unix epoch, UTC
  std::string note;
  Bytes encode() const;
  static Result<PollsBody> decode(ByteView bytes);
};

// A tree head of the log: MTH(D[0:size]) (RFC 6962) of the entries [0, size).
struct TreeHead {
  std::uint64_t size = 0;
  Digest root{};
  bool operator==(const TreeHead&) const = default;
};

// Where a kiosk's ballot chain stands (check 31): the code of its last ballot (the chain seed if
// it has none) and how many ballots it cast and challenged.
struct KioskHead {
  PublicKeyBytes key{};
  Digest chain_head{};
  std::uint64_t cast = 0;
  std::uint64_t challenged = 0;
  bool operator==(const KioskHead&) const = default;
};

// At most this many kiosks per election, so that polls-close (80 bytes per kiosk) fits in one
// entry (check 11).
inline constexpr std::size_t kMaxKiosks = 700;

// polls-close: commits to the log it closes (checks 30, 31).
struct PollsCloseBody {
  std::uint64_t time = 0;  // seconds since the Unix epoch, UTC
  std::string note;
  TreeHead log;                   // the log just before this entry (size = this entry's index)
  std::vector<KioskHead> kiosks;  // every enrolled kiosk, revoked ones too, by key (bytes)
  Bytes encode() const;
  static Result<PollsCloseBody> decode(ByteView bytes);
};

struct EncryptedSelection {
  Ciphertext ciphertext;
  RangeProof proof;  // 0/1
};

struct EncryptedContest {
  std::vector<EncryptedSelection> selections;  // in the manifest's choice order
  RangeProof limit_proof;                      // sum of selections within min..max
};

struct EncryptedBallot {
  std::uint64_t sequence = 0;  // per kiosk, from 1 (no kiosk-chosen time: §9.3.3, trust model)
  Digest previous_code{};      // the kiosk's previous ballot code (chain seed for the first)
  std::vector<EncryptedContest> contests;  // in the manifest's contest order
  void write(Writer& w) const;
  static Result<EncryptedBallot> read(Reader& r);
};

struct CastBallotBody {
  EncryptedBallot ballot;
  Digest token_hash{};
  Bytes encode() const;
  static Result<CastBallotBody> decode(ByteView bytes);
};

struct ChallengedBallotBody {
  EncryptedBallot ballot;
  std::vector<std::vector<std::uint8_t>> choices;  // the plaintext 0/1 per selection
  std::vector<std::vector<Scalar>> nonces;         // the ElGamal nonce r per selection
  Bytes encode() const;
  static Result<ChallengedBallotBody> decode(ByteView bytes);
};

struct EncryptedTallyBody {
  std::uint64_t polls_close_index = 0;  // the polls-close entry (check 32) ...
  Digest polls_close_hash{};            // ... and its entry hash SHA-256(entry_bytes)
  std::uint64_t log_size = 0;  // the tally covers the cast ballots in entries [0, log_size) ...
  Digest log_root{};           // ... whose tree head is (log_size, log_root)
  std::uint64_t cast_count = 0;
  std::vector<std::vector<Ciphertext>> contests;  // per contest, per selection
  Bytes encode() const;
  static Result<EncryptedTallyBody> decode(ByteView bytes);
};

struct DecryptionShare {
  Point share;  // M_l = s_l * A
  ChaumPedersenProof proof;
};

struct PartialDecryptionBody {
  std::uint32_t index = 0;
  Digest tally_hash{};  // entry hash of the encrypted tally it decrypts (check 33)
  std::vector<std::vector<DecryptionShare>> contests;
  Bytes encode() const;
  static Result<PartialDecryptionBody> decode(ByteView bytes);
};

struct ResultBody {
  Digest tally_hash{};                   // entry hash of the encrypted tally (check 34)
  std::vector<std::uint32_t> guardians;  // the quorum whose partial decryptions were combined
  std::vector<Digest> partial_hashes;    // their entry hashes, one per guardian, same order
  std::uint64_t cast_count = 0;
  std::vector<std::vector<std::uint64_t>> counts;
  Bytes encode() const;
  static Result<ResultBody> decode(ByteView bytes);
};

// The largest entry (envelope included, docs/spec.md §10.1) of each type whose size the manifest
// fixes (docs/spec.md §10.4): a cast ballot, a challenged ballot, the encrypted tally, one
// guardian's partial decryption, and the result combining all n_g guardians. Check 4 refuses a
// manifest for which any of them exceeds kMaxEntrySize: no such entry could be appended.
struct ManifestEntrySizes {
  std::size_t cast_ballot = 0;
  std::size_t challenged_ballot = 0;
  std::size_t encrypted_tally = 0;
  std::size_t partial_decryption = 0;
  std::size_t result = 0;
};
ManifestEntrySizes manifest_entry_sizes(const election::Manifest& m);

}  // namespace tabella::record
