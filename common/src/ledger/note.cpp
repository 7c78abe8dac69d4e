#include "tabella/ledger/note.h"

#include <cassert>
#include <cstdio>
#include <set>
#include <utility>

#include "tabella/crypto/hash.h"
#include "tabella/util/canonical.h"

namespace tabella::ledger {

namespace {

constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";  // U+2014 EM DASH, space

// Decodes one UTF-8 code point at s[i]; returns its length, or 0 if invalid (overlong,
// surrogate, above U+10FFFF, truncated).
std::size_t utf8_decode(std::string_view s, std::size_t i, char32_t& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t len;
  char32_t min;
  if (c < 0x80) {
    cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Unicode white space (Go's unicode.IsSpace): the characters a key name must not contain.
bool is_unicode_space(char32_t c) {
  switch (c) {
    case U'\t':
    case U'\n':
    case U'\v':
    case U'\f':
    case U'\r':
    case U' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string line_field(std::size_t line) {
  return "signature line " + std::to_string(line + 1);
}

}  // namespace

bool is_valid_key_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size();) {
    char32_t cp;
    std::size_t len = utf8_decode(name, i, cp);
    const bool control = cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);  // Unicode Cc
    if (len == 0 || cp == U'+' || control || is_unicode_space(cp)) return false;
    i += len;
  }
  return true;
}

std::uint32_t note_key_id(std::string_view name, std::uint8_t sig_type, ByteView public_key) {
  Bytes buf(name.begin(), name.end());
  buf.push_back(0x0A);
  buf.push_back(sig_type);
  buf.insert(buf.end(), public_key.begin(), public_key.end());
  Digest d = sha256(buf);
  return load_u32be(d);
}

std::string format_verifier_key(std::string_view name, std::uint8_t sig_type, ByteView public_key) {
  assert(is_valid_key_name(name));
  Bytes typed;
  typed.push_back(sig_type);
  typed.insert(typed.end(), public_key.begin(), public_key.end());
  return std::string(name) + "+" + hex8(note_key_id(name, sig_type, public_key)) + "+" +
         to_base64(typed);
}

Result<ParsedVerifierKey> parse_verifier_key(std::string_view vkey) {
  auto p1 = vkey.find('+');
  auto p2 = p1 == std::string_view::npos ? p1 : vkey.find('+', p1 + 1);
  if (p2 == std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      "verifier key must have the form <name>+<8 hex digits>+<base64 key>");
  }
  ParsedVerifierKey out;
  out.name = std::string(vkey.substr(0, p1));
  std::string_view hex = vkey.substr(p1 + 1, p2 - p1 - 1);
  std::string_view b64 = vkey.substr(p2 + 1);
  if (!is_valid_key_name(out.name)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "verifier key name is empty or contains a space, '+' or control character");
  }
  if (hex.size() != 8) {
    return make_error(ErrorCode::kInvalidArgument,
                      "verifier key id must be 8 hex digits, got " + std::to_string(hex.size()));
  }
  for (char c : hex) {
    int d = hex_digit(c);
    if (d < 0) return make_error(ErrorCode::kInvalidEncoding, "verifier key id is not hex");
    out.key_id = (out.key_id << 4) | static_cast<std::uint32_t>(d);
  }
  auto key = from_base64(b64);
  if (!key.ok()) return key.error().with_prefix("verifier key");
  if (key->size() < 2) {
    return make_error(ErrorCode::kInvalidEncoding, "verifier key material is too short");
  }
  out.sig_type = key->front();
  out.public_key.assign(key->begin() + 1, key->end());
  std::uint32_t want = note_key_id(out.name, out.sig_type, out.public_key);
  if (want != out.key_id) {
    return make_error(ErrorCode::kInvalidArgument, "verifier key id " + std::string(hex) +
                                                       " does not match its name and key (" +
                                                       hex8(want) + ")");
  }
  return out;
}

Result<Note> parse_note(std::string_view s) {
  if (s.size() > kMaxNoteSize) {
    return make_error(ErrorCode::kLimit, "note is " + std::to_string(s.size()) +
                                             " bytes, more than the limit of " +
                                             std::to_string(kMaxNoteSize));
  }
  for (std::size_t i = 0; i < s.size();) {
    char32_t cp;
    std::size_t len = utf8_decode(s, i, cp);
    if (len == 0) {
      return make_error(ErrorCode::kInvalidEncoding,
                        "note is not valid UTF-8 at byte offset " + std::to_string(i));
    }
    if (cp < 0x20 && cp != U'\n') {
      return make_error(ErrorCode::kInvalidEncoding, "note contains control character " +
                                                         std::to_string(cp) + " at byte offset " +
                                                         std::to_string(i));
    }
    i += len;
  }
  auto split = s.rfind("\n\n");
  if (split == std::string_view::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      "note has no blank line between its text and its signatures");
  }
  Note note;
  note.text = std::string(s.substr(0, split + 1));
  std::string_view sigs = s.substr(split + 2);
  if (sigs.empty()) return make_error(ErrorCode::kInvalidArgument, "note has no signatures");
  if (sigs.back() != '\n') {
    return make_error(ErrorCode::kInvalidArgument, "note does not end with a newline");
  }
  std::set<std::pair<std::string, std::uint32_t>> seen;
  std::size_t line_no = 0;
  while (!sigs.empty()) {
    auto nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (note.signatures.size() == kMaxNoteSignatures) {
      return make_error(ErrorCode::kLimit,
                        "note has more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    }
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return make_error(ErrorCode::kInvalidArgument,
                        "does not start with an em dash (U+2014) and a space", line_field(line_no));
    }
    line.remove_prefix(kSigPrefix.size());
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument, "has no space between key name and signature",
                        line_field(line_no));
    }
    NoteSignature sig;
    sig.key_name = std::string(line.substr(0, sp));
    if (!is_valid_key_name(sig.key_name)) {
      return make_error(ErrorCode::kInvalidArgument,
                        "key name is empty or contains a space, '+' or control character",
                        line_field(line_no));
    }
    auto raw = from_base64(line.substr(sp + 1));
    if (!raw.ok()) return raw.error().with_prefix(line_field(line_no));
    if (raw->size() < 5) {
      return make_error(ErrorCode::kInvalidEncoding,
                        "signature is " + std::to_string(raw->size()) +
                            " bytes; needs a 4-byte key id and at least one signature byte",
                        line_field(line_no));
    }
    sig.key_id = load_u32be(*raw);
    sig.signature.assign(raw->begin() + 4, raw->end());
    if (!seen.emplace(sig.key_name, sig.key_id).second) {
      return make_error(ErrorCode::kInvalidArgument,
                        "second signature by key " + sig.key_name + "+" + hex8(sig.key_id),
                        line_field(line_no));
    }
    note.signatures.push_back(std::move(sig));
    ++line_no;
  }
  return note;
}

std::string format_note(const Note& note) {
  assert(!note.text.empty() && note.text.back() == '\n');
  std::string out = note.text;
  out += '\n';
  for (const NoteSignature& sig : note.signatures) {
    assert(is_valid_key_name(sig.key_name));
    const Bytes raw = Writer().u32(sig.key_id).raw(sig.signature).bytes();
    out += kSigPrefix;
    out += sig.key_name;
    out += ' ';
    out += to_base64(raw);
    out += '\n';
  }
  return out;
}

// ----------------------------------------------------------------------------------- Signers

NoteSigner::NoteSigner(std::string name, const SigningKey& key)
    : name_(std::move(name)),
      key_(&key),
      key_id_(note_key_id(name_, kSigTypeEd25519, key.verify_key().bytes())) {
  assert(is_valid_key_name(name_));
}

std::string NoteSigner::verifier_key() const {
  return format_verifier_key(name_, kSigTypeEd25519, key_->verify_key().bytes());
}

NoteSignature NoteSigner::sign(std::string_view text) const {
  assert(!text.empty() && text.back() == '\n');
  SignatureBytes sig = key_->sign(as_bytes(text));
  return NoteSignature{name_, key_id_, Bytes(sig.begin(), sig.end())};
}

Result<NoteVerifier> NoteVerifier::from_verifier_key(std::string_view vkey) {
  auto parsed = parse_verifier_key(vkey);
  if (!parsed.ok()) return parsed.error();
  if (parsed->sig_type != kSigTypeEd25519) {
    return make_error(ErrorCode::kInvalidArgument,
                      "verifier key has signature type " + std::to_string(parsed->sig_type) +
                          "; a note signer key must be Ed25519 (type 1)");
  }
  auto key = VerifyKey::from_bytes(parsed->public_key);
  if (!key.ok()) return key.error().with_prefix("verifier key");
  return NoteVerifier(std::move(parsed->name), *key);
}

NoteVerifier::NoteVerifier(std::string name, const VerifyKey& key)
    : name_(std::move(name)), key_(key), key_id_(note_key_id(name_, kSigTypeEd25519, key.bytes())) {
  assert(is_valid_key_name(name_));
}

std::string NoteVerifier::verifier_key() const {
  return format_verifier_key(name_, kSigTypeEd25519, key_.bytes());
}

Status NoteVerifier::verify(const Note& note) const {
  bool found = false;
  for (const NoteSignature& sig : note.signatures) {
    if (sig.key_name != name_ || sig.key_id != key_id_) continue;
    found = true;
    auto st = key_.verify(as_bytes(note.text), sig.signature);
    if (!st.ok()) {
      return make_error(
          ErrorCode::kInvalidSignature,
          "signature by " + name_ + "+" + hex8(key_id_) + " does not verify over the note text");
    }
  }
  if (!found) {
    return make_error(ErrorCode::kInvalidSignature,
                      "note is not signed by " + name_ + "+" + hex8(key_id_));
  }
  return Status::success();
}

Result<std::string> open_note(std::string_view encoded, const NoteVerifier& verifier) {
  auto note = parse_note(encoded);
  if (!note.ok()) return note.error();
  TABELLA_TRY(verifier.verify(*note));
  return std::move(note->text);
}

}  // namespace tabella::ledger
