#include "tabella/ledger/log_trust.h"

#include <cassert>
#include <set>
#include <utility>

namespace tabella::ledger {

WitnessPolicy WitnessPolicy::from_manifest(const election::Manifest& manifest) {
  WitnessPolicy p;
  p.quorum = manifest.witnesses.empty() ? 0 : manifest.witness_quorum;
  for (const auto& w : manifest.witnesses) {
    auto v = CosignatureVerifier::from_verifier_key(w.key);
    if (v && v->name() == w.name) p.witnesses.push_back(std::move(*v));
  }
  return p;
}

Result<LogTrust> LogTrust::make(const election::Manifest& manifest,
                                std::string_view ledger_verifier_key) {
  auto key = NoteVerifier::from_verifier_key(ledger_verifier_key);
  if (!key) {
    return make_error(ErrorCode::kInvalidArgument,
                      "the election entry names no valid ledger key: " + key.error().message,
                      "ledger_key");
  }
  return LogTrust{std::move(*key), manifest.origin, WitnessPolicy::from_manifest(manifest)};
}

std::string_view log_fault_name(LogFault fault) {
  switch (fault) {
    case LogFault::kNone:
      return "none";
    case LogFault::kMalformedCheckpoint:
      return "malformed-checkpoint";
    case LogFault::kBadLedgerSignature:
      return "bad-ledger-signature";
    case LogFault::kWrongOrigin:
      return "wrong-origin";
    case LogFault::kForgedCosignature:
      return "forged-cosignature";
    case LogFault::kMissingQuorum:
      return "missing-quorum";
    case LogFault::kSizeMismatch:
      return "size-mismatch";
    case LogFault::kIndexOutOfRange:
      return "index-out-of-range";
    case LogFault::kWrongLeafHash:
      return "wrong-leaf-hash";
    case LogFault::kBadInclusionProof:
      return "bad-inclusion-proof";
    case LogFault::kCheckpointBeyondView:
      return "checkpoint-beyond-view";
    case LogFault::kRootMismatch:
      return "root-mismatch";
    case LogFault::kRollback:
      return "rollback";
    case LogFault::kInconsistent:
      return "inconsistent";
  }
  return "unknown";
}

Error LogCheck::error() const {
  assert(!final());
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string field = "checkpoint";
  switch (fault) {
    case LogFault::kNone:
      break;
    case LogFault::kMalformedCheckpoint:
      code = ErrorCode::kInvalidEncoding;
      break;
    case LogFault::kBadLedgerSignature:
    case LogFault::kForgedCosignature:
      code = ErrorCode::kInvalidSignature;
      break;
    case LogFault::kWrongOrigin:
      break;
    case LogFault::kMissingQuorum:
      code = ErrorCode::kInvalidSignature;
      field = std::string(kCosignaturesField);
      break;
    case LogFault::kSizeMismatch:
      field = "tree_size";
      break;
    case LogFault::kIndexOutOfRange:
      code = ErrorCode::kOutOfRange;
      field = "tree_size";
      break;
    case LogFault::kWrongLeafHash:
      code = ErrorCode::kInvalidProof;
      field = "leaf_hash";
      break;
    case LogFault::kBadInclusionProof:
      code = ErrorCode::kInvalidProof;
      field = "inclusion_proof";
      break;
    case LogFault::kCheckpointBeyondView:
      code = ErrorCode::kOutOfRange;
      break;
    case LogFault::kRootMismatch:
    case LogFault::kRollback:
    case LogFault::kInconsistent:
      code = ErrorCode::kConflict;
      break;
  }
  return make_error(code, detail, field);
}

LogCheck log_failure(LogFault fault, std::string detail, Checkpoint checkpoint,
                     std::size_t cosignatures) {
  assert(fault != LogFault::kNone);
  LogCheck c;
  c.outcome =
      fault == LogFault::kMissingQuorum ? LogOutcome::kAwaitingCosignatures : LogOutcome::kInvalid;
  c.fault = fault;
  c.detail = std::move(detail);
  c.checkpoint = std::move(checkpoint);
  c.cosignatures = cosignatures;
  return c;
}

LogCheck check_ledger_signature(std::string_view signed_note, const LogTrust& trust) {
  auto note = parse_note(signed_note);
  if (!note) {
    return log_failure(LogFault::kMalformedCheckpoint,
                       "the checkpoint is not a well-formed signed note: " + note.error().message);
  }
  Status signed_by_ledger = trust.log_key.verify(*note);
  if (!signed_by_ledger.ok()) {
    return log_failure(LogFault::kBadLedgerSignature,
                       "the checkpoint carries no valid signature by the election's ledger key " +
                           trust.log_key.verifier_key() + ": " + signed_by_ledger.error().message);
  }
  auto cp = Checkpoint::parse(note->text);
  if (!cp) {
    return log_failure(LogFault::kMalformedCheckpoint,
                       "the signed note is not a checkpoint: " + cp.error().describe());
  }
  if (cp->origin != trust.origin) {
    return log_failure(LogFault::kWrongOrigin,
                       "the checkpoint is for log \"" + cp->origin + "\", not the election's \"" +
                           trust.origin + "\"",
                       std::move(*cp));
  }
  LogCheck ok;
  ok.outcome = LogOutcome::kFinal;
  ok.fault = LogFault::kNone;
  ok.checkpoint = std::move(*cp);
  return ok;
}

void check_cosignatures(std::string_view signed_note, const LogTrust& trust, LogCheck& check) {
  assert(check.final());
  const WitnessPolicy& policy = trust.witnesses;
  if (policy.witnesses.empty() && policy.quorum == 0) return;
  auto note = parse_note(signed_note);
  assert(note.ok());  // check_ledger_signature parsed it
  std::set<std::pair<std::string, std::uint32_t>> counted;
  for (const auto& w : policy.witnesses) {
    if (!counted.insert({w.name(), w.key_id()}).second) continue;  // listed twice: counts once
    bool present = false;
    for (const auto& sig : note->signatures) {
      present = present || (sig.key_name == w.name() && sig.key_id == w.key_id());
    }
    if (!present) continue;
    auto t = w.verify(*note);
    if (!t) {
      check = log_failure(LogFault::kForgedCosignature,
                          "a cosignature line of listed witness " + w.name() +
                              " does not verify: " + t.error().message,
                          std::move(check.checkpoint), check.cosignatures);
      return;
    }
    ++check.cosignatures;
  }
  if (check.cosignatures < policy.quorum) {
    check = log_failure(LogFault::kMissingQuorum,
                        "the checkpoint of size " + std::to_string(check.checkpoint.size) +
                            " carries " + std::to_string(check.cosignatures) +
                            " valid witness cosignature(s), the election requires " +
                            std::to_string(policy.quorum),
                        std::move(check.checkpoint), check.cosignatures);
  }
}

LogCheck check_checkpoint(std::string_view signed_note, const LogTrust& trust) {
  LogCheck c = check_ledger_signature(signed_note, trust);
  if (c.final()) check_cosignatures(signed_note, trust, c);
  return c;
}

}  // namespace tabella::ledger
