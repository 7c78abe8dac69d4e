// C2SP tlog-checkpoint note bodies and tlog-cosignature/v1 (Ed25519, signature type 0x04)
// witness cosignatures.
//
// Checkpoint body (the note text):
//   <origin> "\n" <tree size, decimal, no leading zeros> "\n" base64(<32-byte root>) "\n"
//   then zero or more non-empty extension lines, each ending in "\n".
//
// Cosignature/v1: a note signature line by the witness whose base64 carries
//   u32be(key id) || u64be(timestamp) || Ed25519 signature (64 bytes)
// over the message
//   "cosignature/v1\n" "time " <timestamp, decimal> "\n" <checkpoint body>
// with key id = SHA-256(name || 0x0A || 0x04 || public key)[0:4].
//
// Thread-safety: value types and pure functions; CosignatureSigner refers to a SigningKey it
// does not own; CosignatureVerifier is immutable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"

namespace tabella::ledger {

struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;

  // The note text. REQUIRES: origin non-empty without '\n'; extensions non-empty without '\n'.
  std::string body() const;
  // Strict: exactly the encoding body() produces (parse(c.body()) == c, and
  // parse(s)->body() == s). kInvalidArgument / kInvalidEncoding / kOutOfRange with the line.
  static Result<Checkpoint> parse(std::string_view body);

  bool operator==(const Checkpoint&) const = default;
};

// Parses a signed checkpoint, checks the log's signature and parses the body.
Result<Checkpoint> open_checkpoint(std::string_view signed_note, const NoteVerifier& log_key);

// The timestamps of cosignatures are POSIX seconds and must not exceed 2^63 - 1.
inline constexpr std::uint64_t kMaxCosignatureTime = (std::uint64_t{1} << 63) - 1;

// "cosignature/v1\ntime <T>\n" || checkpoint_body: the bytes the witness signs.
std::string cosignature_message(std::string_view checkpoint_body, std::uint64_t timestamp);

// A witness's signer. REQUIRES: is_valid_key_name(name); `key` outlives this signer.
class CosignatureSigner {
 public:
  CosignatureSigner(std::string name, const SigningKey& key);
  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  // "<name>+<8 hex>+base64(0x04 || public key)".
  std::string verifier_key() const;
  // REQUIRES: timestamp <= kMaxCosignatureTime; checkpoint_body ends in '\n'.
  NoteSignature sign(std::string_view checkpoint_body, std::uint64_t timestamp) const;

 private:
  std::string name_;
  const SigningKey* key_;
  std::uint32_t key_id_;
};

// Free-function form of CosignatureSigner::sign.
NoteSignature cosign(std::string_view checkpoint_body, const SigningKey& witness_key,
                     std::string_view name, std::uint64_t timestamp);

struct Cosignature {
  std::uint64_t timestamp = 0;
  SignatureBytes signature{};
};

// A trusted witness key.
class CosignatureVerifier {
 public:
  // Accepts only signature type 0x04 with a 32-byte key and a matching key id.
  static Result<CosignatureVerifier> from_verifier_key(std::string_view vkey);
  // REQUIRES: is_valid_key_name(name).
  CosignatureVerifier(std::string name, const VerifyKey& key);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  const VerifyKey& verify_key() const { return key_; }
  std::string verifier_key() const;

  // Finds this witness's signature line in `note` (matched by name and key id; others are
  // ignored), checks its length (8 + 64 bytes), its timestamp (<= 2^63 - 1) and the Ed25519
  // signature over cosignature_message(note.text, timestamp). Returns the timestamp.
  // kInvalidSignature if absent or invalid, kInvalidEncoding for a malformed signature.
  Result<std::uint64_t> verify(const Note& note) const;

 private:
  std::string name_;
  VerifyKey key_;
  std::uint32_t key_id_;
};

// Free-function form of CosignatureVerifier::verify.
inline Result<std::uint64_t> verify_cosignature(const Note& note,
                                                const CosignatureVerifier& witness) {
  return witness.verify(note);
}

// Splits a cosignature's signature bytes (after the key id) into timestamp and signature.
Result<Cosignature> decode_cosignature(ByteView signature);

}  // namespace tabella::ledger
