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
#include "tabella/ledger/log_trust.h"
#include "tabella/ledger/note.h"

namespace tabella::kiosk {

struct KioskElection {
  std::shared_ptr<const election::ElectionContext> context;
  // The election entry's ledger key, the manifest's origin and witnesses: what receipts are
  // checked against (ledger::check_receipt, the check every client shares).
  std::shared_ptr<const ledger::LogTrust> trust;
  ElectionEntries entries;
};

// Decodes both entries and checks: entry types, both signatures, the same author (the
// authority; equal to `expected_authority` when given), Q = H(manifest_hash, authority) in both,
// the manifest parses, the ledger_key is a valid Ed25519 note verifier key named after the
// manifest's origin, and the extended hash is H(Q, K). Errors name the entry and field.
Result<KioskElection> load_election(const ElectionEntries& entries,
                                    const std::optional<PublicKeyBytes>& expected_authority);

}  // namespace tabella::kiosk
