// EtcdStorage: the clustered Storage. The order of the log lives in an etcd cluster (Raft),
// reached through etcd's v3 JSON gateway (grpc-gateway: POST /v3/kv/range, /v3/kv/txn,
// /v3/watch; keys and values base64). Every node keeps a full local copy (normally a
// SqliteStorage) holding the entries plus everything derived from them (state rows, Merkle
// hashes, checkpoints), so every read is local.
//
// Keys, for prefix P = "/tabella/<origin>/":
//   P "size"                 decimal number of entries in the cluster log (absent = 0)
//   P "log/" <20-digit index, zero-padded>   the canonical entry bytes at that position
//
// Compare-and-append: append_batch(entries) of a node whose local copy has N entries writes
// them with ONE etcd transaction per chunk (at most max_txn_entries entries and max_txn_bytes
// bytes):   compare value(P size) == "N" (or version(P size) == 0 when N = 0)
//           success: put P log/N .. P log/N+k-1, put P size = "N+k"
// so an entry is appended only by a node that had validated it against the whole log before
// it. If the compare fails, the entries at those positions (read by the failure branch) tell: equal
// bytes mean an earlier attempt of this node committed (a timed-out request) and count as success;
// otherwise kConflict with reason kAppendRace (field "etcd.size"): the node must fetch_remote() +
// apply_remote() (validating each remote entry with its own rules) and validate its batch again.
// Only after etcd committed (a Raft majority fsync'ed it) is the batch written to the local copy
// with its effects, so a receipt never precedes the cluster commit.
//
// A watcher thread follows P size (POST /v3/watch) and calls the remote listener whenever the
// cluster log grows past what this node holds (not for its own appends), so an idle node
// catches up without polling. With watch_entries it follows P log/ too (one watch over the keys
// from P log/ to P size) and keeps the entries it delivers (at most watch_buffer_bytes, the
// newest): a catch-up they cover, from the local size to a P size the watch saw, reads nothing
// from etcd (catch_up_target(), fetch_remote()); one they do not cover (a stream restarted, the
// buffer overflowed) reads as before.
//
// Endpoints are tried in turn (the last one that answered first); a member that is down or
// answers 5xx (e.g. "leader changed") is skipped until each has failed within the timeout.
//
// Thread-safety: all methods may be called from any thread; append_batch/apply_remote are
// serialised by an internal mutex; reads go straight to the local copy.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tabella/http/url.h"
#include "tabella/server/storage.h"
#include "tabella/util/mutex.h"

namespace tabella::server::etcd {

// "etcd://host:port,host:port" (also "http://..." items) -> endpoints. kInvalidArgument.
Result<std::vector<http::Url>> parse_etcd_url(std::string_view url);

// What an etcd watch delivered, kept for catch-ups: one run of consecutive log positions
// [from(), from() + count()) holding at most max_bytes of entries (the oldest dropped first),
// and the largest P size the watch reported. The run never holds a hole: an entry past its end
// starts a new run there. Not thread-safe (EtcdStorage holds it under a mutex).
class WatchedEntries {
 public:
  explicit WatchedEntries(std::size_t max_bytes) : max_bytes_(max_bytes) {}
  void note_size(std::uint64_t size) { size_ = std::max(size_, size); }
  // Keeps the entry at `index`, unless it lies below `skip` (what the node holds or will hold
  // anyway) or is kept already, or max_bytes is 0.
  void add(std::uint64_t index, Bytes bytes, std::uint64_t skip);
  // The largest size the watch saw, when it is past `local_size` and the run holds every entry
  // from `local_size` up to it; else nullopt.
  std::optional<std::uint64_t> covered_target(std::uint64_t local_size) const;
  // Drops the entries below `first`, then takes up to max_entries from `first` on: empty when
  // the run does not hold position `first`.
  std::vector<Bytes> take(std::uint64_t first, std::size_t max_entries);
  bool empty() const { return run_.empty(); }
  std::uint64_t from() const { return from_; }
  std::size_t count() const { return run_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  void drop_front();
  std::size_t max_bytes_;
  std::uint64_t from_ = 0;
  std::deque<Bytes> run_;
  std::size_t bytes_ = 0;
  std::uint64_t size_ = 0;
};

// The lines ('\n') of a stream that arrives in pieces (a watch response can span many pieces,
// and a piece can hold many responses). An unfinished line is held up to max_line bytes; past
// that it is dropped, with the rest of it up to its newline, and the next line is read whole.
class StreamLines {
 public:
  explicit StreamLines(std::size_t max_line) : max_line_(max_line) {}
  // Calls on_line with every line this piece completes, without its newline. False when an
  // unfinished line grew past max_line and was dropped.
  bool feed(std::string_view piece, const std::function<void(std::string_view line)>& on_line);
  // The stream ended: an unfinished line is forgotten.
  void reset() {
    pending_.clear();
    skipping_ = false;
  }

 private:
  std::size_t max_line_;
  std::string pending_;
  bool skipping_ = false;
};

struct EtcdOptions {
  std::vector<http::Url> endpoints;
  std::string origin;                        // the log origin: keys live under /tabella/<origin>/
  std::size_t max_txn_entries = 100;         // etcd's --max-txn-ops default is 128
  std::size_t max_txn_bytes = 1u << 20;      // etcd's --max-request-bytes default is 1.5 MiB
  std::chrono::milliseconds timeout{10000};  // per operation, across all endpoints
  bool watch = true;                         // start the watcher thread
  // The watch covers P log/ too, and keeps the entries it delivers (at most this many bytes).
  // Off: it follows P size alone (a node that appends most entries itself would only get its
  // own back).
  bool watch_entries = true;
  std::size_t watch_buffer_bytes = 16u << 20;
  // cluster_size() also reads up to this many entries after the local copy, in the same round
  // trip, for the fetch_remote() that follows (0: it reads the size only).
  std::size_t prefetch_entries = 64;
};

class EtcdStorage final : public Storage {
 public:
  // `local` holds this node's copy. Checks that the local copy is a prefix of the cluster log
  // (kConflict otherwise: a node must never serve a history the cluster does not have).
  static Result<std::unique_ptr<EtcdStorage>> open(EtcdOptions options,
                                                   std::unique_ptr<Storage> local);
  ~EtcdStorage() override;

  // Storage: size() and all reads are the local copy's.
  Result<std::uint64_t> size() override;
  Result<std::vector<std::uint64_t>> append_batch(std::vector<Bytes> entries,
                                                  BatchEffects effects) override;
  Result<std::vector<Bytes>> read_range(std::uint64_t start, std::uint64_t count) override;
  Result<std::optional<std::uint64_t>> find_by_hash(const Digest& entry_hash) override;
  Result<std::optional<Bytes>> get_state(std::string_view key) override;
  Result<std::vector<std::pair<std::string, Bytes>>> scan_state(std::string_view prefix) override;
  // The voter-token table is the local copy's (derived data, like the state rows).
  Result<std::optional<TokenRow>> get_token(const Digest& hash) override;
  Result<TokenTableSummary> token_summary() override;
  Status replace_tokens(const std::vector<TokenRow>& rows, std::vector<StateWrite> state) override;
  Status put_state(std::vector<StateWrite> writes) override;
  Result<std::optional<Digest>> get_hash(std::uint32_t level, std::uint64_t index) override;
  Status put_hashes(std::vector<HashWrite> hashes) override;
  Result<std::vector<std::optional<Digest>>> get_hashes(std::span<const HashKey> at) override;
  Status append_checkpoint(const StoredCheckpoint& checkpoint) override;
  Result<std::optional<StoredCheckpoint>> latest_checkpoint() override;
  Result<std::optional<StoredCheckpoint>> get_checkpoint(std::uint64_t size) override;
  Result<std::vector<StoredCheckpoint>> list_checkpoints() override;
  Result<CheckpointPage> checkpoint_page(std::uint64_t start, std::uint64_t count) override;
  Status close() override;

  // Cluster side.
  // The cluster log's size (a linearizable read). Reads, in the same round trip, up to
  // prefetch_entries entries after the local copy for the next fetch_remote().
  Result<std::uint64_t> cluster_size();
  // What a catch-up goes to: after an append that lost its race, the size that append's answer
  // carried (read in the same transaction as its compare: no round trip; once), else
  // cluster_size(). Any size the cluster log had at some point bounds a catch-up correctly: the
  // next append's compare settles anything appended since.
  Result<std::uint64_t> catch_up_target();
  // Up to max entries of the cluster log from the local size on (empty when caught up): those
  // the last cluster_size() read when they start at the local size (no round trip), else read.
  Result<std::vector<Bytes>> fetch_remote(std::size_t max_entries);
  // Writes entries the cluster already committed (from fetch_remote, after the caller
  // validated them) to the local copy with their effects. REQUIRES (else kConflict):
  // first_index == size() and the bytes equal the cluster's: equal to what the last
  // fetch_remote returned at first_index (compared by SHA-256, no round trip), else read back.
  Status apply_remote(std::uint64_t first_index, std::vector<Bytes> entries, BatchEffects effects);
  // True (once) when another node lost an append race since this node's previous successful
  // append (seen in the answer of the latest one: P contend was written again, and not last by
  // this node's own lost race): the committer then lets the others append first
  // (Committer::Options::contention_yield).
  bool take_contended();
  // Called from the watcher thread when the cluster log grew past what this node knows it to
  // hold: not for the growth of this node's own appends, nor of entries it already applied
  // (the watch event's P size tells). Also once after every watch stream end. Set before
  // serving.
  void set_remote_listener(std::function<void()> listener);

  // One request to etcd's JSON gateway (path like "/v3/kv/range") with the same failover and
  // kept-alive connections as the log's; the cosignature sharing (etcd_cosign.h) uses it.
  Result<nlohmann::json> gateway(const std::string& path, const nlohmann::json& body);
  const EtcdOptions& options() const { return options_; }
  // Follows the keys [key, range_end) (range_end empty: key alone) with POST /v3/watch, on one
  // member after another when a stream fails, until running() is false. Calls on_change with
  // every piece of the stream as it arrives (newline-delimited watch responses; one response
  // can span several pieces), and with an empty piece once after every stream end (a change may
  // have happened while not watching; a stream idle for a second ends). Blocks: run it on a
  // thread of its own.
  void watch(const std::string& key, const std::string& range_end,
             const std::function<void(std::string_view message)>& on_change,
             const std::function<bool()>& running) const;

  // Counters for metrics and benchmarks.
  std::uint64_t txn_count() const { return txns_.load(); }
  std::uint64_t conflict_count() const { return conflicts_.load(); }
  // Catch-ups by source of their target and entries: the watch alone, or a read of etcd.
  std::uint64_t watch_fed_count() const { return watch_fed_.load(); }
  std::uint64_t read_catch_up_count() const { return read_catch_ups_.load(); }
  // What the watch's buffer holds now: entries and their bytes.
  std::pair<std::size_t, std::size_t> watch_buffered() const;

  // One line of the watch stream over P log/ .. P size: the entries it carries (position and
  // bytes, in the stream's order) and the largest P size. nullopt when it cannot be read.
  struct WatchEvents {
    std::vector<std::pair<std::uint64_t, Bytes>> entries;
    std::optional<std::uint64_t> size;
  };
  static std::optional<WatchEvents> parse_watch_line(std::string_view line,
                                                     const std::string& prefix);

 private:
  struct Client;
  EtcdStorage(EtcdOptions options, std::unique_ptr<Storage> local);
  void watch_loop();
  // The watch saw these: keeps the entries (the buffer stays contiguous and bounded) and the size.
  void note_watched(WatchEvents events);
  std::string prefix() const;
  void note_contend(const nlohmann::json& txn_answer);
  void note_own_contend(const nlohmann::json& txn_answer);

  EtcdOptions options_;
  std::unique_ptr<Storage> local_;
  std::unique_ptr<Client> client_;
  Mutex append_mu_;  // serialises appends to the cluster and the local copy
  Mutex listener_mu_;
  std::function<void()> listener_ TABELLA_GUARDED_BY(listener_mu_);
  std::atomic<bool> stopping_{false};
  std::thread watcher_;
  std::atomic<std::uint64_t> txns_{0}, conflicts_{0}, watch_fed_{0}, read_catch_ups_{0};
  // For the watch: a cluster size this node's local copy reached (its own won appends, the
  // remote entries it applied), and the size its append in flight would make.
  std::atomic<std::uint64_t> known_size_{0};
  std::atomic<std::uint64_t> own_target_{0};
  std::atomic<std::uint64_t> contend_revision_{0};  // P contend's mod_revision at the last append
  std::atomic<bool> contended_{false};
  // The revision at which this node's last lost append wrote P contend.
  std::atomic<std::uint64_t> own_contend_revision_{0};
  // What the last cluster_size() read after the local copy, not yet taken by fetch_remote.
  mutable Mutex prefetch_mu_;
  std::uint64_t prefetched_from_ TABELLA_GUARDED_BY(prefetch_mu_) = 0;
  std::vector<Bytes> prefetched_ TABELLA_GUARDED_BY(prefetch_mu_);
  // The cluster size a lost append read, for the next catch_up_target().
  std::optional<std::uint64_t> hinted_size_ TABELLA_GUARDED_BY(prefetch_mu_);
  // What the watch delivered.
  WatchedEntries watched_ TABELLA_GUARDED_BY(prefetch_mu_);
  // What the last fetch_remote returned: its first index and the entries' hashes.
  Mutex fetched_mu_;
  std::uint64_t fetched_from_ TABELLA_GUARDED_BY(fetched_mu_) = 0;
  std::vector<Digest> fetched_ TABELLA_GUARDED_BY(fetched_mu_);
};

}  // namespace tabella::server::etcd
