// What a kiosk needs before the first voter: the election context (manifest, Q, Q-bar, joint key
// K) and the ledger's checkpoint verifier, both taken from signed entries of the record and
// checked here, and the receipt check run before a voter is told "recorded".
// Thread-safety: pure functions; KioskElection is immutable after load and shared read-only.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/ledger_client.h"
#include "tabella/election/context.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"

namespace tabella::kiosk {

struct KioskElection {
  std::shared_ptr<const election::ElectionContext> context;
  std::shared_ptr<const ledger::NoteVerifier> ledger_verifier;  // election entry's ledger_key
  ElectionEntries entries;
};

// Decodes both entries and checks: entry types, both signatures, the same author (the
// authority; equal to `expected_authority` when given), Q = H(manifest_hash, authority) in both,
// the manifest parses, the ledger_key is a valid Ed25519 note verifier key named after the
// manifest's origin, and the extended hash is H(Q, K). Errors name the entry and field.
Result<KioskElection> load_election(const ElectionEntries& entries,
                                    const std::optional<PublicKeyBytes>& expected_authority);

// A receipt is accepted iff: the checkpoint note carries a valid signature by the ledger key,
// its origin is the manifest's origin, its size equals tree_size, index < tree_size, leaf_hash
// == SHA-256(0x00 || entry), the inclusion proof leads from leaf_hash at index to the
// checkpoint's root, and — when the manifest names witnesses — the checkpoint carries valid
// cosignatures by witness_quorum distinct ones of them. All but the origin are
// tabella::client::verify_receipt (client/lib), the check every client shares; errors name the
// field as "receipt.<field>". On success returns the parsed checkpoint.
Result<ledger::Checkpoint> verify_receipt(const KioskElection& election, const Receipt& receipt,
                                          ByteView entry);

// True iff `error` (from verify_receipt) means: everything holds but the witnesses' quorum. The
// ledger has the entry (its signed checkpoint includes it), so it must not be sent as a new
// ballot again, but the receipt is not final: "acknowledged, awaiting cosignatures".
bool awaiting_cosignatures(const Error& error);

}  // namespace tabella::kiosk
