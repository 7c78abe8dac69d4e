// Committer: group commit. Appends submitted from many requests are queued; one dedicated thread
// takes everything queued (up to a bound), runs the validation hook on each entry in order, writes
// the accepted ones with their side effects in ONE storage transaction (one fsync), and only after
// the commit returned completes each request's callback. A receipt therefore never precedes
// durability.
//
// Per entry, in queue order:
//   1. h = SHA-256(entry). If h is already stored, or equals an earlier entry of this batch, the
//      entry is a duplicate: it completes with the original index and duplicate = true.
//   2. The validator runs with a BatchView: the committed state plus the effects of the earlier
//      accepted entries of this batch. Its own writes are staged; if it returns an error the
//      entry is rejected, its staged writes are discarded, and the batch goes on without it.
//   3. Accepted entries get consecutive indices; all callbacks run after COMMIT (or with the
//      commit's error if it failed; resubmitting is safe thanks to step 1).
// Expensive checks (proofs, signatures) belong BEFORE submit(), on a ThreadPool; what they
// produced travels with the entry (`prepared`) to the validator.
//
// The validator (the election ledger, election_ledger.h; the tests' accept-all hooks,
// tests/support/accept_all_ledger.h) implements BatchHooks: it sees every entry in order
// (validate), then the accepted ones before COMMIT (before_commit, e.g. to add Merkle hashes to
// the transaction), then the commit's outcome (after_commit, before any callback runs) so that
// in-memory state never runs ahead of the disk: on a failed commit the hooks roll their state
// back.
//
// Cluster mode (Options::remote set, docs/cluster.md): the storage's appends are
// compare-and-append on a shared log. Before every batch, and whenever wake() is called (the
// cluster log grew), the committer catches up: it reads the cluster log's size once, fetches the
// entries other nodes appended up to that size (never further: a node that appends without pause
// cannot keep another one catching up forever; the append that follows settles any race) and runs
// them through the hooks (validate_remote, before_commit, after_commit) before
// RemoteLog::apply_remote writes them with their effects. An entry the hooks refuse stops the
// committer for good (every later submission fails with kConflict): this node must not serve or
// extend that history. The hooks may stop it later the same way (halt()), e.g. when a remote
// entry's proofs, checked off the commit path, fail. When append_batch fails with kConflict, reason
// kAppendRace (another node appended first), the hooks roll back (after_commit with the
// error), the committer catches up and validates the whole batch again (entries now stored
// become duplicates), at most max_conflict_retries times.
//
// Thread-safety: submit(), wake() and stop() may be called from any thread. Callbacks run on the
// committer thread (or on the caller's thread when submit() is refused); they must not block.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tabella/crypto/hash.h"
#include "tabella/server/storage.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::record {
struct CheckedEntry;
}

namespace tabella::server {

class Metrics;

// What the pre-verifier produced for an entry before it was queued: the entry decoded, its
// signature and proofs checked (record::precheck / complete_proofs on a ThreadPool). Null when
// there is none (a remote entry, or an entry the caller did not pre-verify).
using Prepared = std::shared_ptr<const record::CheckedEntry>;

// What a validator sees and may change while deciding on one entry.
class BatchView {
 public:
  virtual ~BatchView();
  // The position the entry under validation will take if accepted.
  virtual std::uint64_t index() const = 0;
  // State as committed, plus earlier accepted entries of this batch, plus this entry's own writes.
  virtual Result<std::optional<Bytes>> get_state(std::string_view key) = 0;
  virtual void put_state(std::string key, Bytes value) = 0;
  virtual void delete_state(std::string key) = 0;
  virtual Result<std::optional<Digest>> get_hash(std::uint32_t level, std::uint64_t index) = 0;
  virtual void put_hash(std::uint32_t level, std::uint64_t index, const Digest& hash) = 0;
};

// Batch-aware validation. All calls come from the committer thread, in this order per batch:
// validate() for each non-duplicate entry, before_commit() once if any entry was accepted,
// after_commit() once after the storage transaction returned (not called when nothing was
// accepted).
class BatchHooks {
 public:
  virtual ~BatchHooks();
  // Decides whether one entry may be appended; an error rejects the entry (its message reaches
  // the client). Keep it cheap, no I/O besides the view. `prepared` is what submit() was given
  // (may be null). On error, any effect the hooks had on their own state must already be undone.
  virtual Status validate(ByteView entry, const Prepared& prepared, BatchView& view) = 0;
  // A remote entry (cluster mode: another node appended it to the cluster log), in log order,
  // while catching up. An error stops the committer for good (Committer::halted()). Hooks that
  // check expensive parts of a remote entry later, off the committer thread, override it
  // (election_ledger.h); by default the entry goes through validate() without a product.
  virtual Status validate_remote(ByteView entry, BatchView& view) {
    return validate(entry, nullptr, view);
  }
  // The accepted entries of the batch, in order; the first gets index first_index. Writes to
  // `view` join the transaction.
  virtual void before_commit(std::uint64_t first_index, const std::vector<Bytes>& accepted,
                             BatchView& view) = 0;
  // The transaction's outcome. On failure nothing of the batch is stored.
  virtual void after_commit(const Status& committed) = 0;
};

// The cluster side of a clustered storage (etcd_storage.h). Called from the committer thread.
class RemoteLog {
 public:
  virtual ~RemoteLog();
  // The cluster log's size now (a linearizable read): what one catch-up goes to.
  virtual Result<std::uint64_t> cluster_size() = 0;
  // What one catch-up goes to: a size the cluster log had at some point no earlier than this
  // node's last append attempt (e.g. the one a lost append's answer carried, or the one the
  // watch delivered, saving a round trip). It may lag the log: entries appended since are left
  // to the next append's compare, and a pass that would only refuse reads cluster_size() first.
  virtual Result<std::uint64_t> catch_up_target() { return cluster_size(); }
  // Up to max_entries entries of the cluster log from the local size on (empty: caught up).
  virtual Result<std::vector<Bytes>> fetch_remote(std::size_t max_entries) = 0;
  // Writes entries the cluster committed (validated by the hooks) with their effects.
  virtual Status apply_remote(std::uint64_t first_index, std::vector<Bytes> entries,
                              BatchEffects effects) = 0;
  // True (once) when another node lost an append race since this node's previous successful
  // append: the committer lets the others go first before its next batch.
  virtual bool take_contended() { return false; }
};

struct AppendOutcome {
  std::uint64_t index = 0;
  bool duplicate = false;  // the same bytes were already stored at index
  Digest hash{};           // SHA-256 of the entry
};
using AppendCallback = std::function<void(Result<AppendOutcome>)>;

class Committer {
 public:
  struct Options {
    std::size_t max_batch_entries = 1024;
    std::size_t max_batch_bytes = 32u << 20;
    RemoteLog* remote = nullptr;  // cluster mode; must outlive the Committer
    std::size_t max_conflict_retries = 50;
    // Cluster mode, fairness: when RemoteLog::take_contended() says another node lost a race to
    // this one, the next batch first waits until another node appended (the cluster log grew
    // past this node's copy) or at most this long.
    std::chrono::milliseconds contention_yield{200};
    // Cluster mode: after this node's previous append won, append the next batch without
    // first asking the cluster its size (one etcd round trip per batch, where a single
    // appender spends it for nothing). The compare on P size still decides: if the cluster
    // grew meanwhile the append loses and the batch is caught up and validated again, and a
    // refusal is only delivered once an append confirmed the copy it was made against
    // (Impl::process_once).
    bool optimistic_append = true;
    // Group commit under load: when entries arrived while the previous batch was being
    // committed (concurrent clients), and fewer than linger_target are queued, the committer
    // waits up to `linger` for more before it starts the next transaction. A transaction with
    // its fsync costs about as much CPU as validating a few entries, so fuller batches leave
    // more of the cores to proof verification. A lone client never waits (nothing arrives
    // while its entry commits). linger 0 disables it.
    std::chrono::microseconds linger{10000};
    std::size_t linger_target = 16;
    // After a commit failed because the disk is full (kIo, field kDiskFullField): batches are
    // refused at once with that error, and Storage::probe_write is tried at most this often;
    // when the probe fits, writes resume.
    std::chrono::milliseconds disk_probe_interval{1000};
  };

  // storage, hooks and metrics (may be null) must outlive the Committer.
  Committer(Storage& storage, BatchHooks& hooks, Options options, Metrics* metrics = nullptr);
  ~Committer();  // stop()
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Queues one entry; done is called exactly once. After stop() began, done receives kIo.
  void submit(Bytes entry, AppendCallback done) {
    submit(std::move(entry), nullptr, std::move(done));
  }
  // With the pre-verifier's product, handed to BatchHooks::validate.
  void submit(Bytes entry, Prepared prepared, AppendCallback done);
  // Cluster mode: an entry another node says it appended (the appender's 200, docs/cluster.md
  // "One appender"). Handled as submit() does, after a catch-up, but never waits for the group
  // commit's linger: there is normally nothing to append, so a fuller batch saves nothing.
  void submit_stored(Bytes entry, AppendCallback done);

  // True while the disk is known to be full and the next probe is not due: a handler refuses
  // the append at once (503), before any verification. Any thread.
  bool writes_refused() const;

  // True from a commit (or start-up write) that failed on a full disk until a probe write fits
  // again: what /healthz reports. Any thread.
  bool disk_full() const;

  // The disk is known to be full before any commit (the ledger started on a full disk): appends
  // are refused as after a failed commit, until a probe write fits. Call at start-up, before
  // requests are served.
  void report_disk_full(const Error& error);

  // Cluster mode: catch up with the cluster log soon, even with nothing queued.
  void wake();

  // Stops appending for good: every later submission (and catch-up) fails with `error`. For a
  // history this node must not extend or serve (a remote entry its rules refuse, at once; one
  // whose proofs fail, when the hooks' check off the commit path finds it). Logged once, at
  // level error (event=halted). Any thread; the first error stays.
  void halt(const Error& error);
  // The error halt() was given (or the committer found itself), if any: what /healthz reports.
  // Any thread.
  std::optional<Error> halted() const;

  // Commits everything already queued, then joins the thread. Idempotent.
  void stop();

 private:
  void enqueue(Bytes entry, Prepared prepared, AppendCallback done, bool stored);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella::server
