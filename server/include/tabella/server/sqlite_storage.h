// SqliteStorage: the default Storage, one SQLite file (<data-dir>/ledger.sqlite) in WAL mode with
// synchronous=FULL, so a committed batch survives power loss. The schema is versioned: a
// schema_version table holds the version, migrations (a list in sqlite_storage.cpp) run in order
// on open, and a file written by a newer Tabella is refused with a clear error.
//
// Tables: entries(idx INTEGER PRIMARY KEY = position, hash BLOB UNIQUE = SHA-256(data), data),
// state(key, value), tree_hashes(level, idx, hash), checkpoints(size, note), and (version 2)
// tokens(hash PRIMARY KEY, precinct, committed_at, spent_at UNIQUE when not NULL): the voter-token
// table, written by a batch's token_row_write() state writes (storage.h).
//
// Thread-safety: safe to share. Two connections: one writer (appends, puts; serialised by a
// mutex) and one reader (reads; its own mutex), so reads never wait for a commit's fsync.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "tabella/server/storage.h"

namespace tabella::server {

class SqliteStorage final : public Storage {
 public:
  // The schema version this build writes; open() migrates older files up to it.
  static constexpr int kSchemaVersion = 3;
  static constexpr const char* kFileName = "ledger.sqlite";

  struct Options {
    std::chrono::milliseconds busy_timeout{5000};
    bool create_if_missing = true;  // create the data dir and the file
    // SQLite's max_page_count (pages of 4 KiB): a size quota; past it writes fail as on a full
    // disk (kIo, field kDiskFullField). 0: no quota.
    std::uint64_t max_pages = 0;
  };

  // Opens (creating and migrating as needed) <data_dir>/ledger.sqlite.
  // Errors: kIo (cannot open/create), kConflict (schema newer than kSchemaVersion, or corrupt).
  static Result<std::unique_ptr<SqliteStorage>> open(const std::filesystem::path& data_dir,
                                                     Options options);
  static Result<std::unique_ptr<SqliteStorage>> open(const std::filesystem::path& data_dir) {
    return open(data_dir, Options{});
  }

  ~SqliteStorage() override;
  SqliteStorage(const SqliteStorage&) = delete;
  SqliteStorage& operator=(const SqliteStorage&) = delete;

  // Changes the size quota (Options::max_pages; 0: none) of the open database.
  void set_max_pages(std::uint64_t pages);
  Status probe_write(std::size_t bytes) override;

  // The version stored in the file (== kSchemaVersion after a successful open).
  Result<int> stored_schema_version();

  Result<std::uint64_t> size() override;
  Result<std::vector<std::uint64_t>> append_batch(std::vector<Bytes> entries,
                                                  BatchEffects effects) override;
  Result<std::vector<Bytes>> read_range(std::uint64_t start, std::uint64_t count) override;
  Result<std::optional<std::uint64_t>> find_by_hash(const Digest& entry_hash) override;
  Result<std::optional<Bytes>> get_state(std::string_view key) override;
  Result<std::vector<std::pair<std::string, Bytes>>> scan_state(std::string_view prefix) override;
  Status put_state(std::vector<StateWrite> writes) override;
  Result<std::optional<TokenRow>> get_token(const Digest& hash) override;
  Result<TokenTableSummary> token_summary() override;
  Status replace_tokens(const std::vector<TokenRow>& rows, std::vector<StateWrite> state) override;
  Result<std::optional<Digest>> get_hash(std::uint32_t level, std::uint64_t index) override;
  Status put_hashes(std::vector<HashWrite> hashes) override;
  // One SELECT for all of `at` (statements cached per count).
  Result<std::vector<std::optional<Digest>>> get_hashes(std::span<const HashKey> at) override;
  Status append_checkpoint(const StoredCheckpoint& checkpoint) override;
  Result<std::optional<StoredCheckpoint>> latest_checkpoint() override;
  Result<std::optional<StoredCheckpoint>> get_checkpoint(std::uint64_t size) override;
  Result<std::vector<StoredCheckpoint>> list_checkpoints() override;
  Result<CheckpointPage> checkpoint_page(std::uint64_t start, std::uint64_t count) override;
  Status close() override;

  // Rows the reader's lookups by key (entry by hash, state row, tree hashes, token row) have
  // stepped through in whole-table scans since the open: 0 while every lookup seeks its index.
  // A lookup that scans costs time in proportion to the log (tests check it stays 0).
  std::uint64_t lookup_scan_steps();

 private:
  struct Impl;
  explicit SqliteStorage(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella::server
