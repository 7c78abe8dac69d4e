#include "core/election_setup.h"

#include "tabella/client/ledger_client.h"
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
  out.ledger_verifier = std::make_shared<const ledger::NoteVerifier>(std::move(*verifier));
  out.entries = entries;
  return out;
}

Result<ledger::Checkpoint> verify_receipt(const KioskElection& election, const Receipt& receipt,
                                          ByteView entry) {
  // The signature, size, index, leaf and inclusion checks are client/lib's (shared with
  // tabella-admin, tabella-voters and the record mirror); the origin check is the kiosk's own.
  client::Receipt r;
  r.index = receipt.index;
  r.leaf_hash = receipt.leaf_hash;
  r.tree_size = receipt.tree_size;
  r.inclusion_proof = receipt.inclusion_proof;
  r.checkpoint = receipt.checkpoint;
  // The origin first: a receipt of another log says nothing, cosigned or not.
  auto plain = client::verify_receipt(r, entry, *election.ledger_verifier);
  if (!plain.ok()) return plain.error().with_prefix("receipt");
  if (plain->origin != election.context->manifest.origin) {
    return make_error(ErrorCode::kInvalidArgument,
                      "checkpoint origin \"" + plain->origin +
                          "\" is not the election's origin \"" + election.context->manifest.origin +
                          "\"",
                      "receipt.checkpoint");
  }
  const auto witnesses = client::WitnessPolicy::from_manifest(election.context->manifest);
  if (witnesses.quorum == 0) return plain;
  auto cp = client::verify_receipt(r, entry, *election.ledger_verifier, witnesses);
  if (!cp.ok()) return cp.error().with_prefix("receipt");
  return cp;
}

bool awaiting_cosignatures(const Error& error) {
  return error.field == "receipt." + std::string(client::kCosignaturesField);
}

}  // namespace tabella::kiosk
