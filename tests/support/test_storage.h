// Storages for tests (the other side of the ledger's storage boundary), beside the real SQLite
// and etcd ones:
//   MemoryStorage  the log in memory (entries and their hashes); state, tree hashes and
//                  checkpoints are not kept. Enough for the generic routes and the fuzzers.
//   FlakyStorage   a real storage (the node's SQLite) whose next appends can be made to fail: a
//                  failed COMMIT, or a lost cluster race against entries "another node" appended
//                  first; race_remote() is its cluster side (LedgerHooks::cluster), which serves
//                  those entries to the committer.
//
// Thread-safety: every Storage method may be called from any thread (the committer, the I/O
// threads); the injections below may be set from the test's thread at any time.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "tabella/server/committer.h"
#include "tabella/server/storage.h"
#include "tabella/util/mutex.h"

namespace tabella::testing {

class MemoryStorage final : public server::Storage {
 public:
  Result<std::uint64_t> size() override;
  Result<std::vector<std::uint64_t>> append_batch(std::vector<Bytes> entries,
                                                  server::BatchEffects effects) override;
  Result<std::vector<Bytes>> read_range(std::uint64_t start, std::uint64_t count) override;
  Result<std::optional<std::uint64_t>> find_by_hash(const Digest& entry_hash) override;
  Result<std::optional<Bytes>> get_state(std::string_view key) override;
  Status put_state(std::vector<server::StateWrite> writes) override;
  Result<std::optional<Digest>> get_hash(std::uint32_t level, std::uint64_t index) override;
  Status put_hashes(std::vector<server::HashWrite> hashes) override;
  Status append_checkpoint(const server::StoredCheckpoint& checkpoint) override;
  Result<std::optional<server::StoredCheckpoint>> latest_checkpoint() override;
  Result<std::optional<server::StoredCheckpoint>> get_checkpoint(std::uint64_t size) override;
  Result<std::vector<server::StoredCheckpoint>> list_checkpoints() override;
  Status close() override;

 private:
  Mutex mu_;
  std::vector<Bytes> entries_ TABELLA_GUARDED_BY(mu_);
  std::map<Digest, std::uint64_t> hashes_ TABELLA_GUARDED_BY(mu_);
};

class FlakyStorage final : public server::Storage {
 public:
  explicit FlakyStorage(std::unique_ptr<server::Storage> real);

  // The next `n` append_batch calls fail with kIo ("injected commit failure"), storing nothing.
  void fail_next_appends(int n) { fail_appends_ = n; }
  // The next append_batch loses a cluster race (kConflict, ErrorReason::kAppendRace) to
  // `entries`, which race_remote() then serves as the cluster log's next entries.
  void lose_next_append_to(std::vector<Bytes> entries);
  // The cluster side of this storage for LedgerHooks::cluster; it references *this.
  std::shared_ptr<server::RemoteLog> race_remote();

  Result<std::uint64_t> size() override;
  Result<std::vector<std::uint64_t>> append_batch(std::vector<Bytes> entries,
                                                  server::BatchEffects effects) override;
  Result<std::vector<Bytes>> read_range(std::uint64_t start, std::uint64_t count) override;
  Result<std::optional<std::uint64_t>> find_by_hash(const Digest& entry_hash) override;
  Result<std::optional<Bytes>> get_state(std::string_view key) override;
  Result<std::vector<std::pair<std::string, Bytes>>> scan_state(std::string_view prefix) override;
  Status put_state(std::vector<server::StateWrite> writes) override;
  Result<std::optional<server::TokenRow>> get_token(const Digest& hash) override;
  Result<server::TokenTableSummary> token_summary() override;
  Status replace_tokens(const std::vector<server::TokenRow>& rows,
                        std::vector<server::StateWrite> state) override;
  Result<std::optional<Digest>> get_hash(std::uint32_t level, std::uint64_t index) override;
  Result<std::vector<std::optional<Digest>>> get_hashes(std::span<const HashKey> at) override;
  Status put_hashes(std::vector<server::HashWrite> hashes) override;
  Status append_checkpoint(const server::StoredCheckpoint& checkpoint) override;
  Result<std::optional<server::StoredCheckpoint>> latest_checkpoint() override;
  Result<std::optional<server::StoredCheckpoint>> get_checkpoint(std::uint64_t size) override;
  Result<std::vector<server::StoredCheckpoint>> list_checkpoints() override;
  Result<CheckpointPage> checkpoint_page(std::uint64_t start, std::uint64_t count) override;
  Status put_cosigned_checkpoint(const server::StoredCheckpoint& checkpoint) override;
  Result<std::optional<server::StoredCheckpoint>> latest_cosigned_checkpoint() override;
  Status probe_write(std::size_t bytes) override;
  Status close() override;

 private:
  class RaceRemote;

  std::unique_ptr<server::Storage> real_;
  std::atomic<int> fail_appends_{0};
  Mutex race_mu_;
  std::vector<Bytes> race_winners_ TABELLA_GUARDED_BY(race_mu_);  // the next append loses to these
  std::vector<Bytes> won_race_ TABELLA_GUARDED_BY(race_mu_);      // the cluster log beyond ours
};

}  // namespace tabella::testing
