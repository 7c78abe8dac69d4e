// Storage: the durable state behind the ledger, as an interface. Entries are opaque canonical byte
// strings at consecutive positions 0, 1, 2, ...; beside them live key/value state rows (e.g. spent
// tokens, chain heads), stored Merkle hashes (level, index) -> hash and signed checkpoints
// (tree size -> signed note text). Everything a batch changes is written in one atomic step.
//
// The interface assumes nothing about where the bytes live: SqliteStorage keeps one local file;
// a clustered backend (etcd compare-and-append, each node with its own copy) implements the same
// calls. Positions are assigned by the backend inside append_batch, never by the caller.
//
// Thread-safety: every implementation must be safe to call from several threads at once
// (SqliteStorage serialises writers and readers internally). Writes are totally ordered.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tabella/crypto/hash.h"
#include "tabella/util/bytes.h"
#include "tabella/util/result.h"

namespace tabella::server {

// One key/value state row written with a batch. A value of nullopt deletes the key.
struct StateWrite {
  std::string key;
  std::optional<Bytes> value;
};

// One stored Merkle hash: the node at (level, index); level 0 are leaf hashes.
struct HashWrite {
  std::uint32_t level = 0;
  std::uint64_t index = 0;
  Digest hash{};
};

// Side effects committed in the same transaction as the entries of a batch.
struct BatchEffects {
  std::vector<StateWrite> state;
  std::vector<HashWrite> hashes;
  bool empty() const { return state.empty() && hashes.empty(); }
};

// A row of the voter-token table (docs/cluster.md section 1a): a committed token, the
// token-commitments entry that committed it and the cast ballot that spent it, if any.
struct TokenRow {
  Digest hash{};
  std::string precinct;
  std::uint64_t committed_at = 0;
  std::optional<std::uint64_t> spent_at;
};
// A batch writes token rows as state writes whose key is kTokenRowPrefix + the hash in hex
// (token_row_write): a storage with a token table stores them there, in the batch's
// transaction, and not as state rows. A value of nullopt deletes the row.
inline constexpr std::string_view kTokenRowPrefix = "token-row/";
StateWrite token_row_write(const TokenRow& row);
// The row of a token_row_write (key and value). Errors: malformed (kInvalidEncoding).
Result<TokenRow> decode_token_row(std::string_view key, ByteView value);
// What a start checks the token table by (docs/cluster.md section 1a), read in constant time:
// the row counts kept beside the table, the largest positions, and whether what keeps the counts
// (SQLite triggers on every insert, delete and spend) is intact.
struct TokenTableSummary {
  std::uint64_t rows = 0, spent = 0;
  std::optional<std::uint64_t> max_committed_at, max_spent_at;
  bool counters_kept = true;
};

struct StoredCheckpoint {
  std::uint64_t size = 0;  // tree size the checkpoint commits to
  std::string note;        // signed note text, stored verbatim
};

class Storage {
 public:
  virtual ~Storage();

  // Number of entries (the next position).
  virtual Result<std::uint64_t> size() = 0;

  // Appends the entries at positions size(), size()+1, ... and applies the effects, all in one
  // durable transaction: on success everything is on stable storage; on failure nothing is.
  // Returns the positions assigned, in order. An entry whose SHA-256 is already stored (or is
  // repeated in the batch) fails the whole batch with kConflict: deduplicate before appending.
  virtual Result<std::vector<std::uint64_t>> append_batch(std::vector<Bytes> entries,
                                                          BatchEffects effects) = 0;

  // Entries [start, start + count) clipped to size(); kOutOfRange if start > size().
  virtual Result<std::vector<Bytes>> read_range(std::uint64_t start, std::uint64_t count) = 0;

  // Position of the entry whose SHA-256 is entry_hash, if any (idempotent resubmission).
  virtual Result<std::optional<std::uint64_t>> find_by_hash(const Digest& entry_hash) = 0;

  // Key/value state as of the last committed batch.
  virtual Result<std::optional<Bytes>> get_state(std::string_view key) = 0;
  // Every state row whose key starts with `prefix`, by key. Default: kNotFound (callers
  // that can do without, e.g. start-up from stored state, then replay the log).
  virtual Result<std::vector<std::pair<std::string, Bytes>>> scan_state(std::string_view prefix);
  // State changes outside of an append (administrative rows), durable on return.
  virtual Status put_state(std::vector<StateWrite> writes) = 0;

  // The voter-token table, written by batches through token_row_write(). The defaults
  // answer kNotFound: a storage without one (the ledger then keeps the tokens in memory).
  virtual Result<std::optional<TokenRow>> get_token(const Digest& hash);
  virtual Result<TokenTableSummary> token_summary();
  // Replaces every row of the table by `rows` and applies `state`, in one durable transaction
  // (building the table from the log: a data dir of an earlier version, or a full replay).
  virtual Status replace_tokens(const std::vector<TokenRow>& rows, std::vector<StateWrite> state);

  // Stored Merkle hashes.
  virtual Result<std::optional<Digest>> get_hash(std::uint32_t level, std::uint64_t index) = 0;
  virtual Status put_hashes(std::vector<HashWrite> hashes) = 0;
  // Several stored hashes at once (Merkle proofs need O(log n) of them): one round trip for a
  // database. nullopt for a hash that is not stored. The default calls get_hash() for each.
  struct HashKey {
    std::uint32_t level = 0;
    std::uint64_t index = 0;
  };
  virtual Result<std::vector<std::optional<Digest>>> get_hashes(std::span<const HashKey> at);

  // Checkpoints, keyed by tree size. append_checkpoint refuses (kConflict) a size smaller than
  // the latest stored one, and a different note for an already stored size.
  // REQUIRES: checkpoint.size <= size()
  virtual Status append_checkpoint(const StoredCheckpoint& checkpoint) = 0;
  virtual Result<std::optional<StoredCheckpoint>> latest_checkpoint() = 0;
  virtual Result<std::optional<StoredCheckpoint>> get_checkpoint(std::uint64_t size) = 0;
  // Every stored checkpoint, by increasing size (the record export starts with them).
  virtual Result<std::vector<StoredCheckpoint>> list_checkpoints() = 0;
  // The stored checkpoints from the `start`-th (0 = the smallest size) on, at most `count`, and
  // how many are stored in all: one page of GET /v1/checkpoints. The default reads
  // list_checkpoints(); SqliteStorage reads only the page.
  struct CheckpointPage {
    std::vector<StoredCheckpoint> checkpoints;
    std::uint64_t total = 0;
  };
  virtual Result<CheckpointPage> checkpoint_page(std::uint64_t start, std::uint64_t count);

  // The latest cosigned checkpoint: a checkpoint note with witness cosignature lines appended
  // (docs/cluster.md section 4). Only the latest is kept; put replaces it, durable on return, and
  // refuses (kConflict) a size smaller than the stored one. The default implementations keep it
  // in the state row kCosignedCheckpointKey through put_state/get_state.
  // REQUIRES: checkpoint.size <= size()
  static constexpr std::string_view kCosignedCheckpointKey = "witness/cosigned-checkpoint";
  virtual Status put_cosigned_checkpoint(const StoredCheckpoint& checkpoint);
  virtual Result<std::optional<StoredCheckpoint>> latest_cosigned_checkpoint();

  // Whether a write of about `bytes` would fit now, without changing anything (a transaction
  // that is rolled back). A full disk is disk_full_error(). Default: success.
  virtual Status probe_write(std::size_t bytes);

  // Flushes and releases the backend; every later call fails with kIo. Idempotent.
  virtual Status close() = 0;
};

// A write fails with kUnavailable, reason kDiskFull, field kDiskFullField and retry_after
// kDiskFullRetrySeconds when the disk (or the database's size limit) is full: the HTTP layer
// answers it 503 with Retry-After (router.h error_response), and the committer refuses writes until
// space is freed.
inline constexpr std::string_view kDiskFullField = "disk";
// Long enough for an operator to act, longer than the client library waits on its own, so a
// kiosk reports it instead of waiting.
inline constexpr std::uint32_t kDiskFullRetrySeconds = 30;
inline Error disk_full_error(std::string message) {
  Error e =
      make_unavailable(std::move(message), std::string(kDiskFullField), kDiskFullRetrySeconds);
  e.reason = ErrorReason::kDiskFull;
  return e;
}
// The error is a full disk's (whatever prefix its field was given on the way).
inline bool is_disk_full(const Error& error) {
  return error.code == ErrorCode::kUnavailable && error.reason == ErrorReason::kDiskFull;
}

}  // namespace tabella::server
