// The election record's envelope: one signed entry of the append-only log (docs/spec.md §10).
//
//   entry_bytes   = field("tabella-entry/1") || field(type name) || field(Q) || field(author)
//                   || field(body) || field(signature)
//   signing bytes = entry_bytes without its last field (the signature)
//   signature     = Ed25519(author's key, signing bytes)
//
// Q is the election base hash (32 bytes), author a raw Ed25519 public key (32 bytes), body the
// canonical encoding of the type's body (record/bodies.h). entry_bytes are what the ledger hashes
// into its Merkle leaves (leaf = SHA-256(0x00 || entry_bytes)) and serves in entry bundles, so an
// entry is at most 65,535 bytes (the tlog-tiles bundle length prefix).
// Thread-safety: value types.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tabella/crypto/ed25519.h"
#include "tabella/crypto/hash.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::record {

inline constexpr std::size_t kMaxEntrySize = 65535;
inline constexpr std::string_view kEntryMagic = "tabella-entry/1";

enum class EntryType {
  kElection,             // authority: the ballot definition; starts the record
  kGuardianEnrolment,    // authority: guardian i's signing key
  kGuardianCommitments,  // guardian: Feldman commitments + proofs, share-encryption key
  kGuardianShares,       // guardian: its polynomial's shares, encrypted to each other guardian
  kGuardianComplaint,    // guardian: names a sender whose share failed verification
  kElectionKey,          // authority: the joint key K and extended base hash
  kKioskEnrolment,       // authority: a kiosk's signing key
  kKioskRevocation,      // authority: withdraws a kiosk
  kTokenCommitments,     // authority: hashes of single-use voter tokens
  kPollsOpen,            // authority
  kPollsClose,           // authority
  kCastBallot,           // kiosk: an encrypted ballot that spends a token
  kChallengedBallot,     // kiosk: an encrypted ballot opened by its nonces, never counted
  kEncryptedTally,       // authority: the homomorphic sum of every cast ballot
  kPartialDecryption,    // guardian: its share of the tally's decryption, with proofs
  kResult,               // authority: the counts, from a quorum of partial decryptions
  kSharesVerified,       // guardian: every share addressed to it checks against its commitments
  kShareReveal,          // guardian: answers a complaint with the disputed share in plaintext
};
inline constexpr int kEntryTypeCount = 18;

std::string_view entry_type_name(EntryType type);  // "cast-ballot"
std::optional<EntryType> entry_type_from_name(std::string_view name);

struct Entry {
  EntryType type = EntryType::kElection;
  Digest base_hash{};       // Q
  PublicKeyBytes author{};  // Ed25519 public key of the signer
  Bytes body;               // canonical body bytes
  SignatureBytes signature{};

  Bytes signing_bytes() const;
  Bytes encode() const;
  // Strict: magic, known type, lengths, no trailing bytes, size <= kMaxEntrySize.
  static Result<Entry> decode(ByteView bytes);

  // Signs (type, Q, author = key's public key, body).
  static Entry make(EntryType type, const Digest& base_hash, Bytes body, const SigningKey& key);
  Status verify_signature() const;

  // SHA-256 of entry_bytes: the entry's identity (idempotent submission, receipts).
  Digest id() const;
};

}  // namespace tabella::record
