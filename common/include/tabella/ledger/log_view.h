// LogView: what a client read from the ledger, checked the way every client checks it
// (docs/spec.md §6.6). It rebuilds the RFC 6962 tree of the entries it was given, in order, and
// accepts a signed checkpoint only if that checkpoint is the election's (log_trust.h), covers
// entries the client read and hashes to the same root, extends the checkpoint accepted before,
// and carries the witnesses' quorum. A client acts only on the entries covered by the accepted
// checkpoint, never on the ledger's word.
//
// check(note, trust, ledger_proof) runs, in order (the first that fails is the verdict):
//   1. check_ledger_signature: note, ledger key, body, origin
//   2. size <= size()                                         kCheckpointBeyondView
//   3. root_at(size) == root: the entries read are that log   kRootMismatch
//   4. with an accepted checkpoint A (pinned from an earlier run, or accepted by check()):
//        A is this log's: its origin is the election's          kWrongOrigin
//        and it carries the ledger key's signature              kInconsistent
//        size >= A.size                                         kRollback
//        root_at(A.size) == A.root: the entries extend A         kInconsistent
//        verify_consistency(A.size, size, A.root, root, ledger_proof), when a proof is given
//                                                               kInconsistent
//   5. check_cosignatures: forged lines, quorum                 kForgedCosignature,
//                                                               kMissingQuorum (awaiting)
// A final verdict makes the checkpoint the accepted one. 3 and 4 need no witness: two
// ledger-signed checkpoints that are not one history, or entries that do not hash to a signed
// root, are evidence against the ledger (fork_evidence()).
//
// Memory: every complete subtree hash (about 64 bytes per entry). Thread-safety: not shared.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tabella/ledger/log_trust.h"
#include "tabella/ledger/merkle.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::ledger {

class LogView {
 public:
  struct Accepted {
    std::string note;  // the signed checkpoint as the ledger sent it (with cosignature lines)
    Checkpoint checkpoint;
  };

  // Appends the entry at position size().
  void append(ByteView entry_bytes) { tree_.append_entry(entry_bytes); }
  std::uint64_t size() const { return tree_.size(); }
  // MTH(D[0:n]) of the entries read. kOutOfRange unless n <= size().
  Result<Hash> root_at(std::uint64_t n) const;
  // SHA-256(0x00 || entry) of the entry read at `index`. kOutOfRange unless index < size().
  Result<Hash> leaf_at(std::uint64_t index) const;
  // PROOF(m, D[0:n]) over the entries read. kOutOfRange unless m <= n <= size().
  Result<std::vector<Hash>> consistency_proof(std::uint64_t m, std::uint64_t n) const;

  // A checkpoint accepted in an earlier run (a state file). It is checked against the election
  // at the next check() (step 4). kMalformedCheckpoint-like errors: kInvalidEncoding.
  Status pin(std::string signed_note);
  const std::optional<Accepted>& accepted() const { return accepted_; }
  // The size covered by a checkpoint check() accepted for these entries: 0 before, and 0 while
  // the accepted checkpoint is only pinned (not yet checked against the entries read).
  std::uint64_t verified_size() const {
    return accepted_ && pinned_checked_ ? accepted_->checkpoint.size : 0;
  }

  // The checks at the top of this file. `ledger_proof`: PROOF(A.size, size) as the ledger's
  // /v1/proof/consistency served it, checked in step 4 when given.
  LogCheck check(std::string_view signed_note, const LogTrust& trust,
                 const std::vector<Hash>* ledger_proof = nullptr);

  // For a client that reads only the start of the log (a kiosk reads the election's setup, not
  // every ballot): the entries read are a prefix of the log a signed checkpoint covers. Steps 1
  // and 5 as in check(), and in between: size() <= the checkpoint's size
  // (kCheckpointBeyondView reversed: kRootMismatch), and verify_consistency(size(), n, root_at(
  // size()), root, proof) with `proof` = PROOF(size(), D[0:n]) from the ledger (kRootMismatch).
  // Changes nothing in the view (no accepted checkpoint).
  LogCheck check_prefix(std::string_view signed_note, const LogTrust& trust,
                        std::span<const Hash> proof) const;

 private:
  MemoryHashStore tree_;
  std::optional<Accepted> accepted_;
  bool pinned_checked_ = false;  // the accepted checkpoint came from pin() and passed step 4
};

// What a client keeps when check() refused a checkpoint as kRollback or kInconsistent (or
// kRootMismatch): both signed notes and what the entries it read show.
struct ViewConflict {
  LogFault fault = LogFault::kNone;
  std::string reason;
  std::string accepted;  // the checkpoint accepted before (empty for kRootMismatch)
  std::string offered;   // the checkpoint refused
  std::uint64_t entries_read = 0;
  // root_at(accepted size) of the entries read, when they reach it: for kInconsistent, the
  // entries hash to the offered root (step 3 passed) but their prefix is not the accepted root.
  std::optional<Hash> prefix_root;
  // PROOF(accepted size, offered size) over the entries read: with prefix_root, anyone can check
  // that the offered checkpoint extends prefix_root, not the accepted root.
  std::vector<Hash> proof;
  std::vector<Hash> ledger_proof;  // as the ledger served it, if any
};

// REQUIRES: check.fault is kRollback, kInconsistent or kRootMismatch, from view.check(offered).
ViewConflict describe_conflict(const LogView& view, const LogCheck& check, std::string offered,
                               std::span<const Hash> ledger_proof = {});

}  // namespace tabella::ledger
