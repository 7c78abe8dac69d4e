// ElectionLedger: the election record layer of tabella-ledger. It turns the generic pieces
// (Storage, Committer, ThreadPool, Router) into the ledger of docs/api.md:
//
//   POST /v1/entries: admit() (size, duplicate, decode, signature, author's role, phase) on the
//   I/O thread, verify_admitted() (body, token, proofs) on the pool in the author's turn, then,
//   in the committer, in log order, ElectionState::apply plus the ledger's own rules for the first
//   entry (author = --authority-key, manifest origin = --origin, ledger_key = this ledger's
//   verifier key). Accepted entries are appended with their Merkle hashes (every completed
//   subtree, merkle.h) and ballot-code index rows in ONE transaction; after COMMIT a checkpoint
//   of the new size is signed (Ed25519 is deterministic and a checkpoint carries no timestamp,
//   so the checkpoint of a size is a function of the durable log prefix) and every receipt of
//   the batch is built against it.
//
//   The in-memory ElectionState never runs ahead of the disk: apply() leaves it unchanged on a
//   rejected entry, and when a COMMIT fails the whole state and Merkle frontier are rebuilt from
//   storage before any callback runs. Readers (status, kiosks, receipts) only see a snapshot
//   published after a successful COMMIT.
//
//   Witnesses (when the manifest names them and --witness URLs are given): every newer receipt
//   checkpoint is offered to the Cosigner (cosigner.h), which stores the cosigned note once
//   witness_quorum witnesses cosigned it. A POST /v1/entries reply then waits (at most
//   --cosign-wait, without blocking any thread) for a stored cosigned checkpoint covering the
//   entry; receipts, GET /checkpoint and GET /v1/export carry the cosigned note.
//
//   On open the state is rebuilt by replaying every stored entry in order through
//   ElectionState::apply WITHOUT signature or proof checks (they passed precheck when the entry
//   was appended, and the entries table is written only by this class); the Merkle frontier
//   resumes from the stored hashes and the latest stored checkpoint is checked against them.
//
// The implementation, by concept (server/src/election_ledger_impl.h lists the files): open,
// admission and the batch hooks; replay and recovery; the record routes; the tlog routes
// (checkpoints, log key, tiles, proofs); the tree hash cache.
//
// Thread-safety: open() and register_routes() from one thread before serving; pre_verify()
// and every route handler from any thread; the BatchHooks methods from the committer thread
// only; publish_checkpoint() from one thread at a time (the checkpoint timer).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tabella/crypto/ed25519.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/record/entry.h"
#include "tabella/server/append_forwarder.h"
#include "tabella/server/committer.h"
#include "tabella/server/cosign_share.h"
#include "tabella/server/metrics.h"
#include "tabella/server/router.h"
#include "tabella/server/storage.h"
#include "tabella/server/thread_pool.h"
#include "tabella/util/result.h"

namespace tabella::server {

// Witness cosigning (cosigner.h, docs/cluster.md section 5). Without URLs nothing changes.
struct WitnessOptions {
  std::vector<std::string> urls;                 // --witness, base URLs http://host:port
  std::chrono::milliseconds cosign_wait{10000};  // --cosign-wait: how long a receipt waits
  // Cluster mode: the nodes' one cosigning path (cosign_share.h); used only with urls.
  std::shared_ptr<CosignShare> share;
};

struct LedgerIdentity {
  std::string origin;          // C2SP log origin = key name of the checkpoint signatures
  PublicKeyBytes authority{};  // the only key allowed to write the first (election) entry
  std::shared_ptr<const SigningKey> key;  // the ledger's checkpoint key
};

// Loads the ledger key (PKCS#8 PEM) from `path`, or creates a fresh one there with mode 0600
// when the file does not exist. *created tells which (may be null).
Result<std::shared_ptr<const SigningKey>> load_or_create_ledger_key(const std::string& path,
                                                                    bool* created = nullptr);

// The HTTP answer for a refused entry: as http_status_for(), except that an unknown author
// (kPermission on field "entry.author" with a message starting "unknown author: ") is 401.
Response entry_error_response(const Error& error);

class ElectionLedger final : public BatchHooks {
 public:
  // Replays the stored log (see above). Errors: kIo (storage), kConflict (the stored log or
  // checkpoints do not replay / match: a corrupt or foreign data dir, or another ledger key).
  // storage and metrics (may be null) must outlive the ledger.
  // With witness URLs (and a stored election entry) the witnesses are matched with the manifest
  // here: a URL whose key is not in witnesses.members, or a manifest without witnesses, is
  // kInvalidArgument (field "witness"). When the election entry arrives later, the same problems
  // are logged and the offending URLs ignored.
  static Result<std::unique_ptr<ElectionLedger>> open(Storage& storage, LedgerIdentity identity,
                                                      Metrics* metrics,
                                                      WitnessOptions witnesses = {});
  ~ElectionLedger() override;
  ElectionLedger(const ElectionLedger&) = delete;
  ElectionLedger& operator=(const ElectionLedger&) = delete;

  // "<origin>+<8 hex>+<base64(0x01 || public key)>".
  std::string verifier_key() const;
  // Committed log size.
  std::uint64_t size() const;
  // Whether the last rebuild of the in-memory state (at open, or after a failed commit that could
  // not be undone in memory) started from the stored open-phase totals instead of replaying the
  // whole log (docs/cluster.md, "Start-up from stored state"). Committer thread, or before serving.
  bool resumed_from_stored_state() const;

  // For the node's own witness (ledger::Witness::RootCheck): success iff `checkpoint`'s root
  // is this node's tree root at that size. kNotFound when the node has not committed that many
  // entries yet; kConflict when the roots differ (a rewritten or forked history).
  Status check_root(const ledger::Checkpoint& checkpoint) const;

  // Pool side, cheapest check first (docs/api.md, "Order of checks"): size limit (kLimit above
  // 65,535 bytes); an entry already stored gives an empty product (the committer answers it as a
  // duplicate); decode and signature; the author's role for the entry type, phase and voter token
  // against the latest committed state; only then the proofs. The product goes to
  // Committer::submit (null for an entry already stored).
  Result<Prepared> pre_verify(ByteView entry) const;

  // pre_verify in two parts. admit() is the cheap part, run on the I/O thread before the entry
  // is queued for the pool: size limit, duplicate lookup, decode, signature, the author's role
  // for the entry type and the phase. An entry it refuses is answered at once and never waits
  // in the verification queue beside an honest one. verify_admitted() is the rest, on the pool:
  // body decode, voter token, proofs. pre_verify(e) == verify_admitted(e, admit(e)).
  struct Admitted {
    std::shared_ptr<const record::Entry> decoded;  // null: already stored
    // The pool's fair-queueing flow (ThreadPool::try_post): the author's key in hex, or
    // "stored" for an entry already in the log.
    std::string flow;
    Digest id{};  // SHA-256 of the entry (the stored-entry lookup's key), reused by the product
  };
  Result<Admitted> admit(ByteView entry) const;
  Result<Prepared> verify_admitted(ByteView entry, const Admitted& admitted) const;

  // Cluster mode (docs/cluster.md): this node's committed state may lag the cluster log, so an
  // entry pre_verify() refuses is not refused at once but handed to the committer without a
  // product: validate() prechecks it again after the committer caught up. Call before serving.
  void set_cluster_mode(bool cluster);
  // The stored open-phase totals (docs/cluster.md, "Start-up from stored state") are rewritten
  // once the log has grown by `entries` (at least 1; default kResumeTotalsEvery) since the last
  // ones: a start replays fewer than that many entries after them. Tests set it small.
  // Encoding the totals costs a point compression (a field inversion) per tally ciphertext point
  // and a ~2 KB row write: at every batch that was 15-40 us per ballot. Every 64 entries it is
  // about 2 us, and a start replays at most 63 entries more (about 20 ms).
  static constexpr std::uint64_t kResumeTotalsEvery = 64;
  void set_resume_totals_every(std::uint64_t entries);
  // Cluster mode with an appender (docs/cluster.md, "One appender"): POST /v1/entries sends the
  // body on to it first. Null: this node appends itself. Call before serving; it must outlive
  // the routes' use (LedgerNode stops the HTTP server first).
  void set_append_forwarder(AppendForwarder* forwarder);

  // BatchHooks (committer thread).
  Status validate(ByteView entry, const Prepared& prepared, BatchView& view) override;
  // A remote entry (cluster mode): signature and every rule but the proofs here; the proofs on
  // the pool after the COMMIT. Until they passed, nothing from the entry on is served
  // (docs/cluster.md, "Proofs off the commit path"); a failure halts the committer.
  Status validate_remote(ByteView entry, BatchView& view) override;
  void before_commit(std::uint64_t first_index, const std::vector<Bytes>& accepted,
                     BatchView& view) override;
  void after_commit(const Status& committed) override;

  // Stores the latest receipt checkpoint as the published GET /checkpoint when the log grew
  // since the last one (one small transaction). Call every --checkpoint-interval.
  Status publish_checkpoint();

  // Set when open() could not store the start-up checkpoint because the disk (or --db-quota) is
  // full: the ledger serves the stored record read-only and the committer refuses appends (503)
  // until a probe write fits. Empty otherwise.
  const std::optional<Error>& disk_full_at_open() const;

  // The record endpoints of docs/api.md (POST/GET /v1/entries, /v1/status, /v1/receipt,
  // /v1/ballots/*, /v1/kiosks/*, /v1/proof/*, /v1/export, /log-key, /checkpoint, /tile/*).
  // committer and pool must outlive the router's use.
  void register_routes(Router& router, Committer& committer, ThreadPool& pool);

 private:
  struct Impl;
  explicit ElectionLedger(std::unique_ptr<Impl> impl);
  // register_routes() in two parts: election_record_routes.cpp and tlog_routes.cpp.
  void register_record_routes(Router& router, Committer& committer, ThreadPool& pool);
  void register_tlog_routes(Router& router);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella::server
