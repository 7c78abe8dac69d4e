// A ledger receipt and the one receipt check every client runs (the Qt kiosk, KioskClient and
// tabella-voters, RecordMirror, tabella-admin, tabella-guardian): docs/spec.md §6.4.1.
//
// A receipt for the entry at `index` is {index, leaf_hash, tree_size, inclusion_proof,
// checkpoint}. check_receipt(receipt, entry bytes, trust) runs, in order:
//   1. the checkpoint note parses, carries the ledger key's signature, its body parses and its
//      origin is the election's (log_trust.h: kMalformedCheckpoint, kBadLedgerSignature,
//      kWrongOrigin)
//   2. tree_size == the checkpoint's size (kSizeMismatch), index < tree_size (kIndexOutOfRange)
//   3. leaf_hash == SHA-256(0x00 || entry) (kWrongLeafHash)
//   4. inclusion_proof is RFC 9162 PATH(index, D[0:tree_size]) from leaf_hash to the
//      checkpoint's root (kBadInclusionProof)
//   5. every cosignature line of a listed witness verifies (kForgedCosignature), and at least
//      `quorum` distinct listed witnesses cosigned (kMissingQuorum)
// Outcome: kFinal when all hold; kAwaitingCosignatures when only 5's quorum is missing (the
// entry is in the log the ledger signed, so it must not be submitted as a new entry again, but
// the receipt is not final: ask again, GET /v1/receipt?index=); kInvalid otherwise.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tabella/ledger/log_trust.h"
#include "tabella/ledger/merkle.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::ledger {

struct Receipt {
  std::uint64_t index = 0;
  Hash leaf_hash{};
  std::uint64_t tree_size = 0;
  std::vector<Hash> inclusion_proof;  // leaf upwards
  std::string checkpoint;             // signed note text, with any cosignature lines
  // Witnessed elections only: whether `checkpoint` is a cosigned one (the ledger's hint;
  // check_receipt decides). Absent in elections without witnesses.
  std::optional<bool> cosigned;

  // The ledger's JSON form (docs/api.md "Receipt"). Strict: every field present with the right
  // type; hex hashes of 32 bytes; at most 64 proof hashes; "cosigned", when present, a boolean.
  // Unknown members are ignored. Errors name the member.
  static Result<Receipt> from_json(const nlohmann::json& j);
  nlohmann::json to_json() const;
};

// The member `member` of `j`: a JSON array of at most 64 hex hashes (an RFC 9162 proof, as a
// receipt and GET /v1/proof/* carry it). Errors name the member or the element ("proof[3]").
Result<std::vector<Hash>> proof_from_json(const nlohmann::json& j, const std::string& member);

// The checks above. `checkpoint` of the result is the receipt's checkpoint when it parsed.
LogCheck check_receipt(const Receipt& receipt, ByteView entry_bytes, const LogTrust& trust);

}  // namespace tabella::ledger
