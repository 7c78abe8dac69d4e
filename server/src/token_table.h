// TableTokenStore: the election state's voter tokens (record::TokenStore) kept in the storage's
// token table (storage.h, TokenRow; docs/cluster.md section 1a) instead of in memory, so that a
// start from stored state does not read them. Lookups go to the table; the changes of the batch
// being validated stay in a small overlay until the batch's transaction (which writes them as
// token_row_write() rows) committed (committed()) or failed (dropped()). Private to
// tabella_server.
//
// Thread-safety: none; the committer thread (and open()) only. The storage guards itself.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>

#include "tabella/record/token_store.h"
#include "tabella/server/storage.h"

namespace tabella::server {

class TableTokenStore final : public record::TokenStore {
 public:
  static constexpr std::uint64_t kNoHorizon = std::numeric_limits<std::uint64_t>::max();

  // `count`: the tokens the table holds that were committed before `horizon`. Rows committed at
  // or after `horizon` are not seen and spends at or after it are not either: the tail of the log
  // after the stored totals is replayed on top of the table as it was at the totals (start-up;
  // settle() ends it).
  TableTokenStore(Storage& storage, std::uint64_t count, std::uint64_t horizon = kNoHorizon)
      : storage_(storage), count_(count), horizon_(horizon) {}

  Result<std::optional<Token>> find(const Digest& hash) const override {
    auto row = lookup(hash);
    if (!row) return row.error();
    if (!*row) return std::optional<Token>();
    return std::optional<Token>(Token{(*row)->spent_at.has_value(), (*row)->precinct});
  }
  Status commit(const Digest& hash, const std::string& precinct, std::uint64_t index) override {
    overlay_[hash] = TokenRow{hash, precinct, index, std::nullopt};
    ++added_;
    return Status::success();
  }
  Status spend(const Digest& hash, std::uint64_t index) override {
    auto row = lookup(hash);
    if (!row) return row.error();
    if (!*row) {
      return make_error(ErrorCode::kConflict, "voter token is not committed", "body.token_hash");
    }
    TokenRow changed = std::move(**row);
    changed.spent_at = index;
    overlay_[hash] = std::move(changed);
    return Status::success();
  }
  void unspend(const Digest& hash) override {
    if (auto it = overlay_.find(hash); it != overlay_.end()) it->second.spent_at.reset();
  }
  std::uint64_t count() const override { return count_ + added_; }

  // The rows the batch changed, for its transaction (token_row_write()).
  const std::map<Digest, TokenRow>& changes() const { return overlay_; }
  // The batch's transaction committed: its rows are in the table.
  void committed() {
    count_ += added_;
    added_ = 0;
    overlay_.clear();
  }
  // The batch's transaction failed: its changes are gone.
  void dropped() {
    added_ = 0;
    overlay_.clear();
  }
  // Start-up: the tail after the totals was replayed (its changes are the overlay, which the
  // caller compared with the table): from now on the whole table is seen.
  void settle() {
    horizon_ = kNoHorizon;
    committed();
  }

 private:
  // The row as this store sees it: the overlay's, else the table's within the horizon.
  Result<std::optional<TokenRow>> lookup(const Digest& hash) const {
    if (auto it = overlay_.find(hash); it != overlay_.end()) {
      return std::optional<TokenRow>(it->second);
    }
    auto row = storage_.get_token(hash);
    if (!row) return row.error().with_prefix("token table");
    if (*row && (*row)->committed_at >= horizon_) return std::optional<TokenRow>();
    if (*row && (*row)->spent_at && *(*row)->spent_at >= horizon_) (*row)->spent_at.reset();
    return row;
  }

  Storage& storage_;
  std::uint64_t count_;
  std::uint64_t horizon_;
  std::uint64_t added_ = 0;
  std::map<Digest, TokenRow> overlay_;
};

}  // namespace tabella::server
