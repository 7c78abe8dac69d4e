#include "core/election_setup.h"

#include "tabella/record/bodies.h"
#include "tabella/record/entry.h"

namespace tabella::kiosk {

namespace {

Result<record::Entry> decode_entry(ByteView bytes, record::EntryType want, const char* what) {
  auto e = record::Entry::decode(bytes);
  if (!e.ok()) return e.error().with_prefix(what);
  if (e->type != want) {
    return make_error(ErrorCode::kInvalidArgument,
                      "expected a " + std::string(record::entry_type_name(want)) + " entry, got " +
                          std::string(record::entry_type_name(e->type)),
                      std::string(what) + ".type");
  }
  auto sig = e->verify_signature();
  if (!sig.ok()) return sig.error().with_prefix(what);
  return e;
}

}  // namespace

Result<KioskElection> load_election(const ElectionEntries& entries,
                                    const std::optional<PublicKeyBytes>& expected_authority) {
  auto el = decode_entry(entries.election, record::EntryType::kElection, "election");
  if (!el.ok()) return el.error();
  auto key = decode_entry(entries.election_key, record::EntryType::kElectionKey, "election_key");
  if (!key.ok()) return key.error();
  if (expected_authority && el->author != *expected_authority) {
    return make_error(ErrorCode::kPermission,
                      "the election entry is signed by " + to_hex(el->author) +
                          ", not by the configured authority key",
                      "election.author");
  }
  if (key->author != el->author) {
    return make_error(ErrorCode::kPermission,
                      "the election-key entry is not signed by the election's authority",
                      "election_key.author");
  }
  auto body = record::ElectionBody::decode(el->body);
  if (!body.ok()) return body.error().with_prefix("election.body");
  auto manifest = election::parse_manifest(body->manifest_json);
  if (!manifest.ok()) return manifest.error().with_prefix("election.body.manifest_json");
  const Digest q = election::base_hash(election::manifest_hash(*manifest), el->author);
  if (el->base_hash != q || key->base_hash != q) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the entries' Q is not H(manifest_hash, authority)", "base_hash");
  }
  auto verifier = ledger::NoteVerifier::from_verifier_key(body->ledger_key);
  if (!verifier.ok()) return verifier.error().with_prefix("election.body.ledger_key");
  if (verifier->name() != manifest->origin) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the ledger key is named \"" + verifier->name() +
                          "\", not after the election's origin \"" + manifest->origin + "\"",
                      "election.body.ledger_key");
  }
  auto kb = record::ElectionKeyBody::decode(key->body);
  if (!kb.ok()) return kb.error().with_prefix("election_key.body");
  if (kb->joint_key.is_identity() ||
      election::extended_base_hash(q, kb->joint_key) != kb->extended_hash) {
    return make_error(ErrorCode::kInvalidArgument, "extended base hash is not H(Q, K)",
                      "election_key.body.extended_hash");
  }
  KioskElection out;
  out.context = std::make_shared<const election::ElectionContext>(
      election::ElectionContext::make(std::move(*manifest), el->author, kb->joint_key));
  auto trust = ledger::LogTrust::make(out.context->manifest, body->ledger_key);
  if (!trust.ok()) return trust.error().with_prefix("election.body");
  out.trust = std::make_shared<const ledger::LogTrust>(std::move(*trust));
  out.entries = entries;
  return out;
}

}  // namespace tabella::kiosk
