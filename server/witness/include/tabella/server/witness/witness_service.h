// The witness as an HTTP service and as a follower of a ledger.
//
//   POST /add-checkpoint   C2SP tlog-witness (body and answers: tabella/ledger/witness.h)
//   GET  /witness/status   JSON: name, verifier key, per log {origin, log_key, size, root,
//                          checkpoint}, evidence [...], "forked" (proven evidence held),
//                          "suspicious" (any evidence), and the follower's progress
//
// LogFollower reads a ledger's public API (GET /log-key, /checkpoint, /v1/entries), replays
// every entry through record::precheck + ElectionState::apply (the rules every ledger node and
// tabella-verify apply), rebuilds the Merkle tree itself, and cosigns a checkpoint only when the
// root it recomputed at that size equals the signed one (Witness::RootCheck). An entry the rules
// refuse stops the follower for good (it never cosigns past it) and shows on the status.
//
// Thread-safety: register_witness_routes' handlers run on any thread (the Witness is
// synchronised); LogFollower's poll_once() from one thread at a time, catch_up_for(), its
// RootCheck and status_json() from any thread (replays are serialised).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "tabella/http/url.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/witness.h"
#include "tabella/record/state.h"
#include "tabella/server/router.h"
#include "tabella/util/mutex.h"

namespace tabella::server::witness {

class LogFollower;

// Registers the two routes. `follower` may be null (a witness that only checks proofs). With a
// follower, an add-checkpoint for a size beyond what it replayed first makes it catch up
// (LogFollower::catch_up_for) on the request's thread, so the answer is 200 after one replay
// instead of 503 until the next poll. witness (and follower) must outlive the router's use.
void register_witness_routes(Router& router, ledger::Witness& witness,
                             LogFollower* follower = nullptr);

class LogFollower {
 public:
  struct Options {
    std::string ledger_url;     // http://host:port
    std::string log_key;        // pinned verifier key; empty: taken from GET /log-key
    std::uint64_t page = 1000;  // entries per GET /v1/entries
    bool cosign_self = true;    // submit each verified checkpoint to the witness itself
  };
  LogFollower(Options options, ledger::Witness& witness);

  // Fetches (or checks) the log key and registers the log with the witness, with this
  // follower's root check. kIo if the ledger is unreachable, kConflict for a key mismatch.
  Status start();

  // One round: GET /checkpoint, replay entries up to its size, cosign it. Returns the size
  // replayed. An invalid entry -> kConflict (sticky: every later call returns it).
  Result<std::uint64_t> poll_once();

  // On demand: if `add_checkpoint_body` is a well-formed request whose checkpoint is signed by
  // the log's key and larger than what was replayed, replays the entries up to its size.
  // Success when nothing was needed or the replay reached the size; the replay's error
  // otherwise (the witness then answers 503, or refuses a rule-breaking log for good).
  Status catch_up_for(std::string_view add_checkpoint_body);

  // The RootCheck given to the witness.
  Status check_root(const ledger::Checkpoint& checkpoint) const;

  std::uint64_t replayed() const;
  std::string origin() const { return origin_; }
  // {"ledger","origin","replayed","root","last_cosigned","error"}.
  std::string status_json() const;

 private:
  Result<std::string> get(const std::string& target) const;
  Status replay_to(std::uint64_t size);  // serialised by replay_mu_

  Options options_;
  ledger::Witness& witness_;
  http::Url endpoint_;
  std::string origin_;
  std::string log_key_;
  Mutex replay_mu_;  // one replay at a time (poller and on-demand catch-up)
  mutable Mutex mu_;
  record::ElectionState state_ TABELLA_GUARDED_BY(mu_);
  ledger::MemoryHashStore tree_ TABELLA_GUARDED_BY(mu_);
  std::optional<Error> fatal_ TABELLA_GUARDED_BY(mu_);
  std::uint64_t last_cosigned_ TABELLA_GUARDED_BY(mu_) = 0;
};

// `tabella-ledger witness` / `tabella-witness`: an observer that accepts no submissions.
//   --ledger URL (required) --listen host:port (127.0.0.1:8650) --data-dir D (./witness-data)
//   --key-file F (default D/witness.key, created 0600) --name N (witness key name, default
//   "tabella-witness") --log-key VKEY (pin the ledger's key) --poll 1s --print-verifier-key
// Returns the exit code.
int run_witness(int argc, char** argv);

}  // namespace tabella::server::witness
