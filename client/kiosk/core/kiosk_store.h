// The kiosk's local SQLite file (WAL, synchronous=FULL): the election's setup entries it loads,
// its ballot chain state, the queue of signed entries not yet confirmed by the ledger, and the
// record of delivered and rejected entries.
//
//   meta(key TEXT PRIMARY KEY, value BLOB)      setup (u32be count, then each entry as a
//                                               u32be length and its bytes), chain_sequence,
//                                               chain_head, kiosk_open
//   queue(id INTEGER PRIMARY KEY AUTOINCREMENT, kind, entry, code, sequence, created,
//         attempts, last_error, acknowledged_index)
//                                               delivered oldest first (id order);
//                                               acknowledged_index: the ledger holds the entry
//                                               at this index but its receipt lacks the
//                                               witnesses' quorum (acknowledged, awaiting
//                                               cosignatures; NULL otherwise)
//   delivered(id, kind, code, sequence, ledger_index, checkpoint, delivered_at)
//   rejected(id, kind, entry, code, sequence, error_code, message, field, rejected_at)
//
// enqueue() appends an entry and advances the chain state in ONE transaction, so after a crash
// either both happened or neither. An entry leaves the queue only in mark_delivered (with its
// receipt) or mark_rejected (into `rejected`, never deleted): nothing is silently dropped. An
// acknowledged entry stays queued until a receipt with the quorum arrives (mark_delivered).
// Thread-safety: not synchronised; one thread (the dispatcher's) owns a store.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/ledger_client.h"
#include "tabella/client/kiosk_engine.h"

struct sqlite3;

namespace tabella::kiosk {

// The kiosk engine's chain (client/kiosk_engine.h).
using client::ChainState;

enum class EntryKind { kCast, kChallenged };

struct QueuedEntry {
  std::int64_t id = 0;
  EntryKind kind = EntryKind::kCast;
  Bytes entry;
  Digest code{};  // the ballot code
  std::uint64_t sequence = 0;
  std::int64_t created = 0;  // Unix seconds
  int attempts = 0;
  std::string last_error;
  // Acknowledged by the ledger at this index, awaiting the witnesses' cosignatures.
  std::optional<std::uint64_t> acknowledged_index;
};

struct RejectedEntry {
  std::int64_t id = 0;
  EntryKind kind = EntryKind::kCast;
  Digest code{};
  std::uint64_t sequence = 0;
  Error error;
  std::int64_t rejected_at = 0;
};

class KioskStore {
 public:
  // Opens or creates the file and its tables. kIo with SQLite's message on failure.
  static Result<std::unique_ptr<KioskStore>> open(const std::string& path);
  ~KioskStore();
  KioskStore(const KioskStore&) = delete;
  KioskStore& operator=(const KioskStore&) = delete;

  // The election's setup entries (LedgerClient::election()); none before the first save.
  Result<std::optional<std::vector<Bytes>>> election();
  Status save_election(const std::vector<Bytes>& setup);

  Result<std::optional<ChainState>> chain_state();
  Status set_chain_state(const ChainState& chain);

  Result<bool> kiosk_open();  // false until a poll worker opens the kiosk
  Status set_kiosk_open(bool open);

  // Appends `entry` to the queue and sets the chain state to `next`, atomically. Returns its id.
  Result<std::int64_t> enqueue(const QueuedEntry& entry, const ChainState& next);
  // Every queued entry, oldest first.
  Result<std::vector<QueuedEntry>> pending();
  Status note_attempt(std::int64_t id, const std::string& error);
  // The ledger holds the entry at `ledger_index` (a verified receipt) but its checkpoint lacks
  // the witnesses' quorum: it stays queued, marked acknowledged; `why` is kept as last_error.
  Status mark_acknowledged(std::int64_t id, std::uint64_t ledger_index, const std::string& why);
  // Moves the entry to `delivered` with its receipt.
  Status mark_delivered(std::int64_t id, std::uint64_t ledger_index, const std::string& checkpoint);
  // Moves the entry to `rejected`; when `chain` is given, sets the chain state in the same
  // transaction.
  Status mark_rejected(std::int64_t id, const Error& error, const std::optional<ChainState>& chain);

  Result<std::vector<RejectedEntry>> rejected();
  // Entries of a kind recorded on this kiosk: queued + delivered (rejected ones excluded).
  Result<std::uint64_t> count(EntryKind kind);

 private:
  explicit KioskStore(sqlite3* db) : db_(db) {}
  Status exec(const char* sql);
  Result<std::optional<Bytes>> get_meta(const char* key);
  Status put_meta(const char* key, ByteView value);
  sqlite3* db_;
};

}  // namespace tabella::kiosk
