// Cosigner: collects C2SP tlog-witness cosignatures on the ledger's checkpoints (docs/cluster.md
// section 4). The ledger offers every newer signed checkpoint (offer()); the cosigner submits the
// latest one to every witness in parallel (POST <url>/add-checkpoint, one worker thread per
// witness) and, once `quorum` distinct witnesses of the manifest returned a valid cosignature/v1
// line for the same checkpoint, stores the cosigned note (the checkpoint note with those lines
// appended, c2sp.org/signed-note) through the `store` callback and wakes the waiters.
//
// Per witness, per submission of a checkpoint of size n:
//   body "old <m>\n" + PROOF(m, n) lines + "\n" + note, with m = the size that witness last
//   cosigned as far as the cosigner knows (0 at start); the proof comes from the ledger's tree.
//   200: the line is checked against the witness's key from the manifest (a line that does not
//        verify counts as a failure).
//   409 text/x.tlog.size: the witness holds another size m'; retried once with old = m' (if
//        m' <= n) and PROOF(m', n). m' > n: this checkpoint is stale for that witness (it has
//        cosigned a later one); the next round submits the latest.
//   503: a following witness has not replayed up to n; retried after 50, 100, 200, 400, 800 ms.
//   Anything else (and transport errors): a failure, logged with the witness and the reason.
// A round ends when the quorum is reached or every witness of the round answered; a round
// without quorum is retried with the latest checkpoint after `retry_interval`.
//
// Cluster mode (Options::share, docs/cluster.md section 4, "One cosigning path for the cluster"):
// rounds run only while this node is the pusher (the share's on_role); the cosigned note of a
// round is also shared (CosignShare::publish). A shared note (offer_shared, from the share's
// on_shared) is used only once it checks out in full: the ledger's signature and a root equal to
// this node's at a size it serves (LedgerView::check_shared), a quorum of the manifest's
// witnesses, and a size within the cluster log; it is then stored like one of its own rounds and
// wakes the waiters. One that does not check out is refused: logged (event=shared_cosigned_
// refused), counted (tabella_ledger_shared_cosigned_refused_total), never used. One beyond the
// served size but within the cluster log waits until this node serves that size.
//
// Witness keys: create() asks every URL for GET /witness/status "verifier_key" (a witness that
// does not answer is asked again before each of its submissions). set_witnesses() matches them
// with the manifest's members (same name and key); a URL whose key is not a member is an error
// (kInvalidArgument naming the URL and the key), and so is a manifest without witnesses.
//
// Thread-safety: every public method may be called from any thread. Callbacks (`store`, the
// waiters' `done`) run on the cosigner's threads without its lock held and must not block long.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tabella/election/manifest.h"
#include "tabella/ledger/merkle.h"
#include "tabella/server/cosign_share.h"
#include "tabella/server/storage.h"
#include "tabella/util/result.h"

namespace tabella::server {

class Cosigner {
 public:
  struct Options {
    std::vector<std::string> urls;  // witness base URLs, http://host:port
    std::chrono::milliseconds request_timeout{5000};
    std::chrono::milliseconds retry_interval{500};  // after a round without quorum
    // Cluster mode: the nodes' one cosigning path (started by create(), stopped by stop()).
    std::shared_ptr<CosignShare> share;
  };
  // What LedgerView::check_shared found: the note's size and whether this node serves it (its
  // root then equals this node's root at that size).
  struct SharedCheck {
    std::uint64_t size = 0;
    bool served = false;
  };
  // What the cosigner needs from the ledger.
  struct LedgerView {
    // PROOF(m, D[0:n]) from the ledger's own tree.
    std::function<Result<std::vector<ledger::Hash>>(std::uint64_t m, std::uint64_t n)>
        consistency_proof;
    // Makes a cosigned checkpoint durable (and visible to readers). Sizes only grow.
    std::function<Status(const StoredCheckpoint&)> store;
    // Cluster mode: checks a shared cosigned note's checkpoint: signed with the ledger's key for
    // its origin and, when its size is at most the served size, a root equal to this node's root
    // at that size (an error otherwise).
    std::function<Result<SharedCheck>(const std::string& note)> check_shared;
  };
  // Per-witness counters (GET /metrics/witnesses, GET /v1/witnesses).
  struct WitnessStats {
    std::string url;
    std::string name;          // empty until its key is known
    std::string verifier_key;  // from /witness/status
    bool member = false;       // matched with the manifest
    std::uint64_t size = 0;    // the size it last cosigned, as known here
    std::uint64_t collected = 0;
    std::uint64_t failed = 0;
    std::string last_error;
  };

  // Parses the URLs (kInvalidArgument naming the bad one; duplicates refused) and asks each for
  // its verifier key. Starts the threads. `restored` is the latest stored cosigned checkpoint.
  static Result<std::unique_ptr<Cosigner>> create(Options options, LedgerView ledger,
                                                  std::optional<StoredCheckpoint> restored);
  ~Cosigner();  // stop()
  Cosigner(const Cosigner&) = delete;
  Cosigner& operator=(const Cosigner&) = delete;

  // The manifest's witnesses and quorum. Until called, nothing is submitted. Errors (see top):
  // the cosigner then stays idle. Witnesses whose key becomes known later and is not a member
  // are logged and ignored.
  Status set_witnesses(std::span<const election::Witness> members, std::uint32_t quorum);

  // A newer signed checkpoint of the ledger (cheap: records it and wakes the coordinator).
  void offer(std::uint64_t size, std::string note);

  std::optional<StoredCheckpoint> latest_cosigned() const;

  // False when no quorum can ever be collected: not configured (no manifest yet, or one without
  // witnesses), or fewer witnesses than the quorum left after refusing non-members. Receipts do
  // not wait then.
  bool can_reach_quorum() const;

  // Calls done(true) once a cosigned checkpoint of size >= min_size is stored (at once if it
  // already is), done(false) at `deadline` or on stop(). Exactly one call.
  void wait_for(std::uint64_t min_size, std::chrono::steady_clock::time_point deadline,
                std::function<void(bool)> done);

  // Cluster mode: a shared cosigned note (see the top). Cheap: checked on the cosigner's thread.
  void offer_shared(std::string note);
  // Whether this node pushes to the witnesses (always, without a share).
  bool pushing() const;
  struct ShareStats {
    std::uint64_t adopted = 0;    // shared notes taken (newer than the stored one, checked)
    std::uint64_t refused = 0;    // shared notes that did not check out
    std::uint64_t published = 0;  // this node's cosigned notes written to the share
    std::string last_refusal;
  };
  ShareStats share_stats() const;

  std::vector<WitnessStats> stats() const;
  // Prometheus text: tabella_ledger_cosignatures_total{witness=...,result="collected|failed"},
  // tabella_ledger_cosigned_size, and in cluster mode tabella_ledger_cosign_pushing and
  // tabella_ledger_shared_cosigned_{adopted,refused,published}_total.
  std::string render_metrics() const;
  // render_metrics() for Metrics::add_source: safe to call after the cosigner is destroyed
  // (it then renders nothing).
  std::function<std::string()> metrics_source() const;

  // Joins the threads; pending waiters get done(false). Idempotent.
  void stop();

 private:
  struct Impl;
  explicit Cosigner(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace tabella::server
