// What a client trusts about one election's log, and the one check of a signed checkpoint that
// every client runs before it believes anything the ledger says (docs/spec.md §6.4.1, §6.6).
//
//   LogTrust        the ledger's note verifier key (named by the election entry), the manifest's
//                   origin, and the manifest's witnesses with their quorum
//   check_checkpoint(note, trust) -> LogCheck, one of three outcomes:
//     kFinal                 signed by the ledger key, origin is the election's, and (when the
//                            manifest names witnesses) cosigned by `quorum` distinct listed ones
//     kAwaitingCosignatures  everything holds except the quorum (fault kMissingQuorum): the
//                            ledger is bound by it, the witnesses have not (yet) seen it
//     kInvalid               anything else, with the reason as a LogFault
//   The checks run in this order and the first that fails is the fault: the note parses
//   (kMalformedCheckpoint; two signature lines by one key are malformed), the ledger key's
//   signature (kBadLedgerSignature), the body parses (kMalformedCheckpoint), the origin
//   (kWrongOrigin), every line by a listed witness verifies (kForgedCosignature), the quorum
//   (kMissingQuorum). receipt.h and log_view.h add their own checks between origin and witnesses.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/election/manifest.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/util/result.h"

namespace tabella::ledger {

// The witnesses an election names (manifest witnesses.members and witness_quorum). A member
// whose key is not a cosignature/v1 verifier key of its own name cannot count (as in
// tabella-verify check 23), so the quorum may become unreachable. quorum 0: no witnesses.
struct WitnessPolicy {
  std::vector<CosignatureVerifier> witnesses;
  std::uint32_t quorum = 0;
  static WitnessPolicy from_manifest(const election::Manifest& manifest);
};

struct LogTrust {
  NoteVerifier log_key;
  std::string origin;
  WitnessPolicy witnesses;

  // From the manifest and the ledger key the election entry names. kInvalidArgument when the key
  // is not an Ed25519 note verifier key (field "ledger_key").
  static Result<LogTrust> make(const election::Manifest& manifest,
                               std::string_view ledger_verifier_key);
};

enum class LogOutcome {
  kFinal,
  kAwaitingCosignatures,
  kInvalid,
};

// Why a checkpoint, a receipt or a log view is not final. Stable: the names (log_fault_name)
// appear in JSON output and evidence files.
enum class LogFault {
  kNone,
  // The checkpoint (every check).
  kMalformedCheckpoint,  // not a signed note with a checkpoint body
  kBadLedgerSignature,   // no valid signature by the election's ledger key
  kWrongOrigin,          // another log's checkpoint
  kForgedCosignature,    // a line by a listed witness that does not verify
  kMissingQuorum,        // fewer than `quorum` listed witnesses cosigned (awaiting)
  // A receipt (receipt.h).
  kSizeMismatch,       // tree_size is not the checkpoint's size
  kIndexOutOfRange,    // index >= tree_size
  kWrongLeafHash,      // leaf_hash is not SHA-256(0x00 || entry)
  kBadInclusionProof,  // the path does not lead to the checkpoint's root
  // A log view (log_view.h).
  kCheckpointBeyondView,  // the checkpoint covers entries the client has not read
  kRootMismatch,          // the entries read do not hash to the checkpoint's root
  kRollback,              // smaller than the checkpoint accepted before
  kInconsistent,          // not an extension of the checkpoint accepted before: a fork
};

// "missing-quorum", "root-mismatch", ...
std::string_view log_fault_name(LogFault fault);

// The verdict on a checkpoint, a receipt or a view.
struct LogCheck {
  LogOutcome outcome = LogOutcome::kInvalid;
  LogFault fault = LogFault::kMalformedCheckpoint;
  std::string detail;     // one sentence: what, and why
  Checkpoint checkpoint;  // parsed; meaningful unless the fault is a malformed or unsigned note
  std::size_t cosignatures = 0;  // distinct listed witnesses whose line verifies

  bool final() const { return outcome == LogOutcome::kFinal; }
  bool awaiting() const { return outcome == LogOutcome::kAwaitingCosignatures; }
  // The verdict as an Error (REQUIRES: !final()): a code by fault, `detail` as the message, the
  // field it concerns ("checkpoint", "checkpoint.cosignatures", "inclusion_proof", ...).
  Error error() const;
};

// The field of LogCheck::error() for kMissingQuorum.
inline constexpr std::string_view kCosignaturesField = "checkpoint.cosignatures";

// The checks listed at the top of this file, on a signed checkpoint note as the ledger sent it.
LogCheck check_checkpoint(std::string_view signed_note, const LogTrust& trust);

// check_checkpoint in two stages, for checks that add their own in between (receipt.h,
// log_view.h). The first four checks (note, ledger signature, body, origin): on success the
// outcome is kFinal with the parsed checkpoint.
LogCheck check_ledger_signature(std::string_view signed_note, const LogTrust& trust);
// The last two (forged lines, quorum), on a check that is final so far; sets `cosignatures`.
// REQUIRES: check came from check_ledger_signature(signed_note, trust).
void check_cosignatures(std::string_view signed_note, const LogTrust& trust, LogCheck& check);

// Builds the verdict of a failed check (outcome kInvalid, or kAwaitingCosignatures for
// kMissingQuorum). REQUIRES: fault != kNone.
LogCheck log_failure(LogFault fault, std::string detail, Checkpoint checkpoint = {},
                     std::size_t cosignatures = 0);

}  // namespace tabella::ledger
