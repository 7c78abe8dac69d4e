// C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures (signature type 0x01),
// byte-compatible with Go's golang.org/x/mod/sumdb/note.
//
//   <text, ending in "\n">
//   "\n"
//   "— " <key name> " " base64(u32be(key id) || signature) "\n"     (one or more)
//
//   key id       = u32be(SHA-256(key name || 0x0A || type || public key)[0:4])
//   verifier key = <key name> "+" <key id as 8 lowercase hex digits> "+" base64(type || public key)
//
// Thread-safety: value types and pure functions; a NoteSigner refers to a SigningKey it does
// not own (see SigningKey's rule); NoteVerifier is immutable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::ledger {

// Signature type bytes of the C2SP signed-note registry used by Tabella.
inline constexpr std::uint8_t kSigTypeEd25519 = 0x01;
inline constexpr std::uint8_t kSigTypeCosignatureV1 = 0x04;

// Limits applied by parse_note (the spec asks verifiers to accept at least 16 signatures).
inline constexpr std::size_t kMaxNoteSize = 1 << 20;
inline constexpr std::size_t kMaxNoteSignatures = 100;

struct NoteSignature {
  std::string key_name;
  std::uint32_t key_id = 0;
  Bytes signature;  // the bytes after the 4-byte key id
  bool operator==(const NoteSignature&) const = default;
};

struct Note {
  std::string text;  // includes the final newline, not the separating blank line
  std::vector<NoteSignature> signatures;
  bool operator==(const Note&) const = default;
};

// A key name is non-empty valid UTF-8 with no Unicode white space, no '+', and no control
// character (U+0000..U+001F, U+007F..U+009F): docs/spec.md §6.3.1. The one rule for names of
// keys, also the election manifest's origin and witness names.
bool is_valid_key_name(std::string_view name);

// key id = u32be(SHA-256(name || 0x0A || sig_type || public_key)[0:4]).
std::uint32_t note_key_id(std::string_view name, std::uint8_t sig_type, ByteView public_key);

// "<name>+<8 hex>+<base64(sig_type || public_key)>".
// REQUIRES: is_valid_key_name(name).
std::string format_verifier_key(std::string_view name, std::uint8_t sig_type, ByteView public_key);

struct ParsedVerifierKey {
  std::string name;
  std::uint32_t key_id = 0;
  std::uint8_t sig_type = 0;
  Bytes public_key;  // after the type byte
};
// Splits and checks a verifier key: valid name, exactly 8 lowercase hex digits, valid base64
// of at least 2 bytes, and the key id recomputed from (name, type, key) equals the hex.
Result<ParsedVerifierKey> parse_verifier_key(std::string_view vkey);

// Strict parse: valid UTF-8, no control characters except '\n', text ends in '\n', the text is
// separated from the signatures by the *last* blank line, one or more signature lines
// "— <name> <base64>\n" with a valid name and base64 of at least 5 bytes, no two signatures
// with the same (name, key id), at most kMaxNoteSignatures signatures and kMaxNoteSize bytes.
Result<Note> parse_note(std::string_view encoded);

// The encoding above. REQUIRES: text ends in '\n' and is non-empty; valid key names.
// parse_note(format_note(n)) == n for every valid note, and format_note(parse_note(s)) == s.
std::string format_note(const Note& note);

// Signs note texts with an Ed25519 key (type 0x01).
class NoteSigner {
 public:
  // REQUIRES: is_valid_key_name(name); `key` outlives this signer.
  NoteSigner(std::string name, const SigningKey& key);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  std::string verifier_key() const;
  // REQUIRES: text is non-empty and ends in '\n'.
  NoteSignature sign(std::string_view text) const;

 private:
  std::string name_;
  const SigningKey* key_;
  std::uint32_t key_id_;
};

// Verifies notes against one trusted Ed25519 (type 0x01) key.
class NoteVerifier {
 public:
  // kInvalidArgument / kInvalidEncoding for a malformed key, a key id that does not match,
  // or a signature type other than 0x01.
  static Result<NoteVerifier> from_verifier_key(std::string_view vkey);
  // REQUIRES: is_valid_key_name(name).
  NoteVerifier(std::string name, const VerifyKey& key);

  const std::string& name() const { return name_; }
  std::uint32_t key_id() const { return key_id_; }
  const VerifyKey& verify_key() const { return key_; }
  std::string verifier_key() const;

  // Success iff the note carries a signature with this key's (name, key id) and every such
  // signature verifies over note.text. Signatures by other keys are ignored (C2SP: unknown
  // signatures MUST be ignored). kInvalidSignature otherwise, naming the key.
  Status verify(const Note& note) const;

 private:
  std::string name_;
  VerifyKey key_;
  std::uint32_t key_id_;
};

// parse_note + NoteVerifier::verify; the verified text on success.
Result<std::string> open_note(std::string_view encoded, const NoteVerifier& verifier);

}  // namespace tabella::ledger
