#include "tabella/ledger/checkpoint.h"

#include <cassert>
#include <cstdio>

#include "tabella/util/canonical.h"

namespace tabella::ledger {

namespace {

std::string line_field(std::size_t line) {
  return "checkpoint line " + std::to_string(line + 1);
}

// Decimal without leading zeros ("0" alone allowed), at most 2^64 - 1.
Result<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty()) return make_error(ErrorCode::kInvalidArgument, "empty number");
  if (s.size() > 1 && s[0] == '0') {
    return make_error(ErrorCode::kInvalidArgument, "number has a leading zero");
  }
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return make_error(ErrorCode::kInvalidArgument, "not a decimal number");
    }
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) {
      return make_error(ErrorCode::kOutOfRange, "number exceeds 2^64 - 1");
    }
    v = v * 10 + d;
  }
  return v;
}

std::string hex8(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

std::string Checkpoint::body() const {
  assert(!origin.empty() && origin.find('\n') == std::string::npos);
  std::string out = origin + "\n" + std::to_string(size) + "\n" + to_base64(root) + "\n";
  for (const std::string& e : extensions) {
    assert(!e.empty() && e.find('\n') == std::string::npos);
    out += e;
    out += '\n';
  }
  return out;
}

Result<Checkpoint> Checkpoint::parse(std::string_view body) {
  if (body.empty() || body.back() != '\n') {
    return make_error(ErrorCode::kInvalidArgument, "checkpoint does not end with a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = body; !rest.empty();) {
    auto nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) {
    return make_error(ErrorCode::kInvalidArgument,
                      "checkpoint has " + std::to_string(lines.size()) +
                          " lines; needs origin, tree size and root hash");
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) return make_error(ErrorCode::kInvalidArgument, "empty", line_field(i));
    for (char c : lines[i]) {
      if (static_cast<unsigned char>(c) < 0x20) {
        return make_error(ErrorCode::kInvalidEncoding, "contains a control character",
                          line_field(i));
      }
    }
  }
  Checkpoint c;
  c.origin = std::string(lines[0]);
  auto size = parse_decimal(lines[1]);
  if (!size.ok()) {
    return make_error(size.error().code, "tree size: " + size.error().message, line_field(1));
  }
  c.size = *size;
  auto root = from_base64(lines[2]);
  if (!root.ok()) return root.error().with_prefix(line_field(2));
  if (root->size() != c.root.size()) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "root hash is " + std::to_string(root->size()) + " bytes, not 32",
                      line_field(2));
  }
  std::copy(root->begin(), root->end(), c.root.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) c.extensions.emplace_back(lines[i]);
  return c;
}

Result<Checkpoint> open_checkpoint(std::string_view signed_note, const NoteVerifier& log_key) {
  auto text = open_note(signed_note, log_key);
  if (!text.ok()) return text.error();
  return Checkpoint::parse(*text);
}

std::string cosignature_message(std::string_view checkpoint_body, std::uint64_t timestamp) {
  std::string msg = "cosignature/v1\ntime " + std::to_string(timestamp) + "\n";
  msg += checkpoint_body;
  return msg;
}

// --------------------------------------------------------------------------- Cosignatures

CosignatureSigner::CosignatureSigner(std::string name, const SigningKey& key)
    : name_(std::move(name)),
      key_(&key),
      key_id_(note_key_id(name_, kSigTypeCosignatureV1, key.verify_key().bytes())) {
  assert(is_valid_key_name(name_));
}

std::string CosignatureSigner::verifier_key() const {
  return format_verifier_key(name_, kSigTypeCosignatureV1, key_->verify_key().bytes());
}

NoteSignature CosignatureSigner::sign(std::string_view checkpoint_body,
                                      std::uint64_t timestamp) const {
  assert(timestamp <= kMaxCosignatureTime);
  assert(!checkpoint_body.empty() && checkpoint_body.back() == '\n');
  SignatureBytes sig = key_->sign(as_bytes(cosignature_message(checkpoint_body, timestamp)));
  NoteSignature out{name_, key_id_, {}};
  out.signature.reserve(8 + sig.size());
  for (int s = 56; s >= 0; s -= 8)
    out.signature.push_back(static_cast<std::uint8_t>(timestamp >> s));
  out.signature.insert(out.signature.end(), sig.begin(), sig.end());
  return out;
}

NoteSignature cosign(std::string_view checkpoint_body, const SigningKey& witness_key,
                     std::string_view name, std::uint64_t timestamp) {
  return CosignatureSigner(std::string(name), witness_key).sign(checkpoint_body, timestamp);
}

Result<Cosignature> decode_cosignature(ByteView signature) {
  if (signature.size() != 8 + 64) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "cosignature/v1 must be 8 timestamp bytes and 64 signature bytes, got " +
                          std::to_string(signature.size()) + " bytes");
  }
  Cosignature c;
  c.timestamp = load_u64be(signature);
  if (c.timestamp > kMaxCosignatureTime) {
    return make_error(ErrorCode::kOutOfRange, "cosignature timestamp exceeds 2^63 - 1");
  }
  std::copy(signature.begin() + 8, signature.end(), c.signature.begin());
  return c;
}

Result<CosignatureVerifier> CosignatureVerifier::from_verifier_key(std::string_view vkey) {
  auto parsed = parse_verifier_key(vkey);
  if (!parsed.ok()) return parsed.error();
  if (parsed->sig_type != kSigTypeCosignatureV1) {
    return make_error(ErrorCode::kInvalidArgument,
                      "verifier key has signature type " + std::to_string(parsed->sig_type) +
                          "; a witness key must be cosignature/v1 (type 4)");
  }
  auto key = VerifyKey::from_bytes(parsed->public_key);
  if (!key.ok()) return key.error().with_prefix("verifier key");
  return CosignatureVerifier(std::move(parsed->name), *key);
}

CosignatureVerifier::CosignatureVerifier(std::string name, const VerifyKey& key)
    : name_(std::move(name)),
      key_(key),
      key_id_(note_key_id(name_, kSigTypeCosignatureV1, key.bytes())) {
  assert(is_valid_key_name(name_));
}

std::string CosignatureVerifier::verifier_key() const {
  return format_verifier_key(name_, kSigTypeCosignatureV1, key_.bytes());
}

Result<std::uint64_t> CosignatureVerifier::verify(const Note& note) const {
  std::string who = name_ + "+" + hex8(key_id_);
  for (const NoteSignature& sig : note.signatures) {
    if (sig.key_name != name_ || sig.key_id != key_id_) continue;
    auto c = decode_cosignature(sig.signature);
    if (!c.ok()) return c.error().with_prefix("cosignature by " + who);
    auto st = key_.verify(as_bytes(cosignature_message(note.text, c->timestamp)), c->signature);
    if (!st.ok()) {
      return make_error(ErrorCode::kInvalidSignature, "cosignature by " + who + " at time " +
                                                          std::to_string(c->timestamp) +
                                                          " does not verify over this checkpoint");
    }
    return c->timestamp;
  }
  return make_error(ErrorCode::kInvalidSignature, "checkpoint is not cosigned by " + who);
}

}  // namespace tabella::ledger
