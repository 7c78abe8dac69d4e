#include "support/test_storage.h"

#include <algorithm>

namespace tabella::testing {

using server::BatchEffects;
using server::HashWrite;
using server::StateWrite;
using server::StoredCheckpoint;

// ------------------------------------------------------------------------------- MemoryStorage

Result<std::uint64_t> MemoryStorage::size() {
  MutexLock lock(mu_);
  return entries_.size();
}

Result<std::vector<std::uint64_t>> MemoryStorage::append_batch(std::vector<Bytes> entries,
                                                               BatchEffects) {
  MutexLock lock(mu_);
  std::vector<std::uint64_t> out;
  for (auto& e : entries) {
    hashes_[sha256(e)] = entries_.size();
    out.push_back(entries_.size());
    entries_.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<Bytes>> MemoryStorage::read_range(std::uint64_t start, std::uint64_t count) {
  MutexLock lock(mu_);
  if (start > entries_.size()) return make_error(ErrorCode::kOutOfRange, "past end", "start");
  std::uint64_t end = start + std::min<std::uint64_t>(count, entries_.size() - start);
  return std::vector<Bytes>(entries_.begin() + static_cast<std::ptrdiff_t>(start),
                            entries_.begin() + static_cast<std::ptrdiff_t>(end));
}

Result<std::optional<std::uint64_t>> MemoryStorage::find_by_hash(const Digest& h) {
  MutexLock lock(mu_);
  auto it = hashes_.find(h);
  if (it == hashes_.end()) return std::optional<std::uint64_t>();
  return std::optional<std::uint64_t>(it->second);
}

Result<std::optional<Bytes>> MemoryStorage::get_state(std::string_view) {
  return std::optional<Bytes>();
}
Status MemoryStorage::put_state(std::vector<StateWrite>) {
  return Status::success();
}
Result<std::optional<Digest>> MemoryStorage::get_hash(std::uint32_t, std::uint64_t) {
  return std::optional<Digest>();
}
Status MemoryStorage::put_hashes(std::vector<HashWrite>) {
  return Status::success();
}
Status MemoryStorage::append_checkpoint(const StoredCheckpoint&) {
  return Status::success();
}
Result<std::optional<StoredCheckpoint>> MemoryStorage::latest_checkpoint() {
  return std::optional<StoredCheckpoint>();
}
Result<std::optional<StoredCheckpoint>> MemoryStorage::get_checkpoint(std::uint64_t) {
  return std::optional<StoredCheckpoint>();
}
Result<std::vector<StoredCheckpoint>> MemoryStorage::list_checkpoints() {
  return std::vector<StoredCheckpoint>();
}
Status MemoryStorage::close() {
  return Status::success();
}

// -------------------------------------------------------------------------------- FlakyStorage

// The cluster side: its log is the real storage's plus the entries that won the race.
class FlakyStorage::RaceRemote final : public server::RemoteLog {
 public:
  explicit RaceRemote(FlakyStorage& s) : s_(s) {}
  Result<std::uint64_t> cluster_size() override {
    auto n = s_.real_->size();
    if (!n) return n.error();
    MutexLock lock(s_.race_mu_);
    return *n + s_.won_race_.size();
  }
  Result<std::vector<Bytes>> fetch_remote(std::size_t) override {
    MutexLock lock(s_.race_mu_);
    std::vector<Bytes> out = std::move(s_.won_race_);
    s_.won_race_.clear();
    return out;
  }
  Status apply_remote(std::uint64_t first, std::vector<Bytes> entries, BatchEffects fx) override {
    auto r = s_.real_->append_batch(std::move(entries), std::move(fx));
    if (!r) return r.error();
    if (r->empty() || r->front() != first) return make_error(ErrorCode::kConflict, "moved");
    return Status::success();
  }

 private:
  FlakyStorage& s_;
};

FlakyStorage::FlakyStorage(std::unique_ptr<server::Storage> real) : real_(std::move(real)) {}

void FlakyStorage::lose_next_append_to(std::vector<Bytes> entries) {
  MutexLock lock(race_mu_);
  race_winners_ = std::move(entries);
}

std::shared_ptr<server::RemoteLog> FlakyStorage::race_remote() {
  return std::make_shared<RaceRemote>(*this);
}

Result<std::vector<std::uint64_t>> FlakyStorage::append_batch(std::vector<Bytes> entries,
                                                              BatchEffects effects) {
  int left = fail_appends_.load();
  while (left > 0 && !fail_appends_.compare_exchange_weak(left, left - 1)) {
  }
  if (left > 0) return make_error(ErrorCode::kIo, "injected commit failure");
  {
    MutexLock lock(race_mu_);
    if (!race_winners_.empty()) {
      won_race_ = std::move(race_winners_);
      race_winners_.clear();
      return make_error(ErrorCode::kConflict, "another node appended first", "etcd.size",
                        ErrorReason::kAppendRace);
    }
  }
  return real_->append_batch(std::move(entries), std::move(effects));
}

Result<std::uint64_t> FlakyStorage::size() {
  return real_->size();
}
Result<std::vector<Bytes>> FlakyStorage::read_range(std::uint64_t start, std::uint64_t count) {
  return real_->read_range(start, count);
}
Result<std::optional<std::uint64_t>> FlakyStorage::find_by_hash(const Digest& h) {
  return real_->find_by_hash(h);
}
Result<std::optional<Bytes>> FlakyStorage::get_state(std::string_view key) {
  return real_->get_state(key);
}
Result<std::vector<std::pair<std::string, Bytes>>> FlakyStorage::scan_state(
    std::string_view prefix) {
  return real_->scan_state(prefix);
}
Status FlakyStorage::put_state(std::vector<StateWrite> writes) {
  return real_->put_state(std::move(writes));
}
Result<std::optional<server::TokenRow>> FlakyStorage::get_token(const Digest& hash) {
  return real_->get_token(hash);
}
Result<server::TokenTableSummary> FlakyStorage::token_summary() {
  return real_->token_summary();
}
Status FlakyStorage::replace_tokens(const std::vector<server::TokenRow>& rows,
                                    std::vector<StateWrite> state) {
  return real_->replace_tokens(rows, std::move(state));
}
Result<std::optional<Digest>> FlakyStorage::get_hash(std::uint32_t level, std::uint64_t index) {
  return real_->get_hash(level, index);
}
Result<std::vector<std::optional<Digest>>> FlakyStorage::get_hashes(std::span<const HashKey> at) {
  return real_->get_hashes(at);
}
Status FlakyStorage::put_hashes(std::vector<HashWrite> hashes) {
  return real_->put_hashes(std::move(hashes));
}
Status FlakyStorage::append_checkpoint(const StoredCheckpoint& checkpoint) {
  return real_->append_checkpoint(checkpoint);
}
Result<std::optional<StoredCheckpoint>> FlakyStorage::latest_checkpoint() {
  return real_->latest_checkpoint();
}
Result<std::optional<StoredCheckpoint>> FlakyStorage::get_checkpoint(std::uint64_t size) {
  return real_->get_checkpoint(size);
}
Result<std::vector<StoredCheckpoint>> FlakyStorage::list_checkpoints() {
  return real_->list_checkpoints();
}
Result<server::Storage::CheckpointPage> FlakyStorage::checkpoint_page(std::uint64_t start,
                                                                      std::uint64_t count) {
  return real_->checkpoint_page(start, count);
}
Status FlakyStorage::put_cosigned_checkpoint(const StoredCheckpoint& checkpoint) {
  return real_->put_cosigned_checkpoint(checkpoint);
}
Result<std::optional<StoredCheckpoint>> FlakyStorage::latest_cosigned_checkpoint() {
  return real_->latest_cosigned_checkpoint();
}
Status FlakyStorage::probe_write(std::size_t bytes) {
  return real_->probe_write(bytes);
}
Status FlakyStorage::close() {
  return real_->close();
}

}  // namespace tabella::testing
