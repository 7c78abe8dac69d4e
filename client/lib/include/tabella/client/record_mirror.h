// RecordMirror: a local replay of the ledger's record, checked the way every client checks what
// it reads (docs/spec.md §6.6). sync() fetches the entries appended since the last sync and
//   1. runs each through the same rules the ledger and tabella-verify run (record::precheck +
//      ElectionState::apply), and appends it to a LogView (ledger/log_view.h);
//   2. anchors the view: asks the ledger for a checkpoint covering its last entry
//      (GET /v1/receipt?index=size-1), reads exactly up to that checkpoint's size, and has the
//      LogView check it: ledger key, origin, the entries hash to its root, it extends the
//      checkpoint accepted before (the one in the view state file; the ledger's consistency
//      proof from /v1/proof/consistency is checked too), and the manifest's witness quorum.
//      While only the quorum is missing it asks again every `poll` until `cosign_wait` passes.
// So a tool acts only on a record it has checked and that the ledger (and the witnesses) signed
// in full: a view with entries dropped, added or reordered, a forged or uncosigned checkpoint,
// or a log that does not extend what the tool accepted before is refused with the reason; for
// a fork or a rollback the evidence (both checkpoints) is written next to the view state file
// and the error names it (view_state.h).
// Ballots are summed into a TallyAccumulator and then dropped; every other entry is kept.
// Thread-safety: thread-compatible; the LedgerConnection it uses must not be used concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tabella/client/ledger_client.h"
#include "tabella/election/tally.h"
#include "tabella/ledger/log_trust.h"
#include "tabella/ledger/log_view.h"
#include "tabella/record/state.h"

namespace tabella::client {

class RecordMirror {
 public:
  struct Options {
    // The view state file (view_state.h); empty: none (every run starts from no accepted
    // checkpoint, and evidence goes to the current directory).
    std::filesystem::path view_state;
    // How long sync() waits for a checkpoint with the witnesses' quorum covering the view.
    std::chrono::milliseconds cosign_wait{30000};
    std::chrono::milliseconds poll{250};
  };

  // REQUIRES: ledger outlives this mirror
  explicit RecordMirror(LedgerConnection& ledger) : RecordMirror(ledger, Options()) {}
  RecordMirror(LedgerConnection& ledger, Options options)
      : ledger_(&ledger), options_(std::move(options)) {}

  // Fetches, replays and anchors the new entries (see the top of this file). Errors: an entry
  // the rules reject ("entry 17 (cast-ballot): ..."); a view the checkpoint check refuses, with
  // the fault's name and the reason (kConflict for a fork, a rollback or a root mismatch, with
  // the evidence file's path; kInvalidSignature for a forged or missing quorum after
  // cosign_wait); a damaged view state file; transport errors.
  Status sync();

  // Submits an entry, checks its receipt with ledger::check_receipt (final, or acknowledged and
  // awaiting cosignatures: the entry is in the log), syncs (which waits for the quorum), and
  // checks that the checked view holds these exact bytes at the receipt's index.
  // REQUIRES: the election entry has been synced (trust() set).
  Result<Submitted> submit(const record::Entry& entry);

  const record::ElectionState& state() const { return state_; }
  std::uint64_t size() const { return state_.size(); }
  // The ledger's verifier key as named by the election entry; empty before it.
  const std::string& ledger_key() const { return ledger_key_; }
  // Ledger key, origin and witnesses of the election; set once the election entry is synced.
  const std::optional<ledger::LogTrust>& trust() const { return trust_; }
  // The entries read as a Merkle tree, and the checkpoint accepted for them.
  const ledger::LogView& view() const { return view_; }
  // The sum of the cast ballots (present once the polls opened).
  const std::optional<election::TallyAccumulator>& tally() const { return tally_; }
  // Every non-ballot entry with its log index, in order.
  const std::vector<std::pair<std::uint64_t, record::CheckedEntry>>& entries() const {
    return kept_;
  }

  // The bodies of every kept entry of type T, in log order.
  template <class T>
  std::vector<const T*> bodies() const {
    std::vector<const T*> out;
    for (const auto& [index, c] : kept_) {
      if (const T* b = std::get_if<T>(&c.body)) out.push_back(b);
    }
    return out;
  }
  // The log index of the first kept entry of `type`, if any.
  std::optional<std::uint64_t> index_of(record::EntryType type) const;

 private:
  Status fetch(std::uint64_t end);
  Status replay(LogEntry&& e);
  Status anchor();
  Error refuse(const ledger::LogCheck& check, const std::string& offered,
               const std::vector<ledger::Hash>* ledger_proof);

  LedgerConnection* ledger_;
  Options options_;
  bool state_loaded_ = false;
  record::ElectionState state_;
  ledger::LogView view_;
  std::string ledger_key_;
  std::optional<ledger::LogTrust> trust_;
  std::optional<election::TallyAccumulator> tally_;
  std::vector<std::pair<std::uint64_t, record::CheckedEntry>> kept_;
};

// The accepted checkpoint in one line: "size 231, root 3f2a91c0..., cosigned by 2 of 3 listed
// witnesses (quorum 2)", or "..., signed by the ledger (the election names no witnesses)".
std::string describe_view(const RecordMirror& mirror);

}  // namespace tabella::client
