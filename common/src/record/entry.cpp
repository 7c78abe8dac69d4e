#include "tabella/record/entry.h"

#include <array>

#include "tabella/util/canonical.h"

namespace tabella::record {

namespace {
constexpr std::array<std::string_view, kEntryTypeCount> kNames = {
    "election",           "guardian-enrolment", "guardian-commitments", "guardian-shares",
    "guardian-complaint", "election-key",       "kiosk-enrolment",      "kiosk-revocation",
    "token-commitments",  "polls-open",         "polls-close",          "cast-ballot",
    "challenged-ballot",  "encrypted-tally",    "partial-decryption",   "result",
    "shares-verified",    "share-reveal",
};

Writer unsigned_part(const Entry& e) {
  Writer w;
  w.text(kEntryMagic)
      .text(entry_type_name(e.type))
      .field(e.base_hash)
      .field(e.author)
      .field(e.body);
  return w;
}
}  // namespace

std::string_view entry_type_name(EntryType type) {
  return kNames[static_cast<std::size_t>(type)];
}

std::optional<EntryType> entry_type_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<EntryType>(i);
  }
  return std::nullopt;
}

Bytes Entry::signing_bytes() const {
  return unsigned_part(*this).bytes();
}

Bytes Entry::encode() const {
  Writer w = unsigned_part(*this);
  w.field(signature);
  return std::move(w).bytes();
}

Result<Entry> Entry::decode(ByteView bytes) {
  if (bytes.size() > kMaxEntrySize) {
    return make_error(ErrorCode::kLimit,
                      "entry of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                          std::to_string(kMaxEntrySize),
                      "entry");
  }
  Reader r(bytes);
  auto magic = r.text("entry.magic", 64);
  if (!magic.ok()) return magic.error();
  if (*magic != kEntryMagic) {
    return make_error(ErrorCode::kInvalidEncoding,
                      "expected \"" + std::string(kEntryMagic) + "\", got \"" + *magic + "\"",
                      "entry.magic");
  }
  auto type_name = r.text("entry.type", 64);
  if (!type_name.ok()) return type_name.error();
  auto type = entry_type_from_name(*type_name);
  if (!type) {
    return make_error(ErrorCode::kInvalidEncoding, "unknown entry type \"" + *type_name + "\"",
                      "entry.type");
  }
  Entry e;
  e.type = *type;
  auto fixed = [&r](std::string_view what, std::span<std::uint8_t> out) -> Status {
    auto f = r.field(what, out.size());
    if (!f.ok()) return f.error();
    if (f->size() != out.size()) {
      return make_error(
          ErrorCode::kInvalidEncoding,
          "must be " + std::to_string(out.size()) + " bytes, got " + std::to_string(f->size()),
          std::string(what));
    }
    std::copy(f->begin(), f->end(), out.begin());
    return {};
  };
  TABELLA_TRY(fixed("entry.base_hash", e.base_hash));
  TABELLA_TRY(fixed("entry.author", e.author));
  auto body = r.field("entry.body", kMaxEntrySize);
  if (!body.ok()) return body.error();
  e.body.assign(body->begin(), body->end());
  TABELLA_TRY(fixed("entry.signature", e.signature));
  TABELLA_TRY(r.finish("entry"));
  return e;
}

Entry Entry::make(EntryType type, const Digest& base_hash, Bytes body, const SigningKey& key) {
  Entry e;
  e.type = type;
  e.base_hash = base_hash;
  e.author = key.verify_key().bytes();
  e.body = std::move(body);
  e.signature = key.sign(e.signing_bytes());
  return e;
}

Status Entry::verify_signature() const {
  auto key = VerifyKey::from_bytes(author);
  if (!key.ok()) return key.error().with_prefix("entry.author");
  auto st = key->verify(signing_bytes(), signature);
  if (!st.ok()) return st.error().with_prefix("entry.signature");
  return {};
}

Digest Entry::id() const {
  return sha256(encode());
}

}  // namespace tabella::record
