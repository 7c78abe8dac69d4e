// TreeHashCache: the election ledger's reader of the Merkle tree's stored hashes (every
// completed subtree, merkle.h), through Storage (get_many in one query), with the recent ones in
// memory so that receipts and proofs for the newest entries (what kiosks ask for) are answered
// without a database read. Per level the last kWindow complete-subtree hashes are kept, and every
// hash from level kAllFrom up (one per 2^kAllFrom entries), so a proof for any of the last
// ~kWindow entries is served from memory.
//
// Thread-safety: get/get_many from any thread; remember/forget_from on the committer thread
// (a shared mutex guards the cached levels). The Storage must outlive the cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tabella/ledger/merkle.h"
#include "tabella/server/storage.h"
#include "tabella/util/mutex.h"

namespace tabella::server {

class TreeHashCache final : public ledger::HashReader {
 public:
  static constexpr std::size_t kWindow = 8192;
  static constexpr int kAllFrom = 10;

  explicit TreeHashCache(Storage& s) : storage_(s) {}

  Result<ledger::Hash> get(int level, std::uint64_t index) const override {
    if (auto h = cached(level, index)) return *h;
    auto h = storage_.get_hash(static_cast<std::uint32_t>(level), index);
    if (!h) return h.error();
    if (!*h) return not_stored(level, index);
    return **h;
  }
  Result<std::vector<ledger::Hash>> get_many(std::span<const ledger::HashIndex> at) const override {
    std::vector<ledger::Hash> out(at.size());
    std::vector<std::size_t> missing;
    {
      ReaderMutexLock lock(mu_);
      for (std::size_t i = 0; i < at.size(); ++i) {
        if (auto h = cached_locked(at[i].level, at[i].index)) {
          out[i] = *h;
        } else {
          missing.push_back(i);
        }
      }
    }
    if (missing.empty()) return out;
    std::vector<Storage::HashKey> keys;
    keys.reserve(missing.size());
    for (std::size_t i : missing) {
      keys.push_back({static_cast<std::uint32_t>(at[i].level), at[i].index});
    }
    auto got = storage_.get_hashes(keys);
    if (!got) return got.error();
    for (std::size_t k = 0; k < missing.size(); ++k) {
      if (!(*got)[k]) return not_stored(at[missing[k]].level, at[missing[k]].index);
      out[missing[k]] = *(*got)[k];
    }
    return out;
  }

  // Hashes the committer is about to store, in the order the tree completed them.
  void remember(std::span<const ledger::StoredHash> hashes) {
    WriterMutexLock lock(mu_);
    for (const auto& h : hashes) {
      auto level = static_cast<std::size_t>(h.at.level);
      if (level >= levels_.size()) levels_.resize(level + 1);
      Level& l = levels_[level];
      if (l.hashes.empty() || h.at.index != l.first + l.hashes.size()) {
        l.hashes.clear();  // not contiguous (the cache starts mid-log after a restart)
        l.first = h.at.index;
      }
      l.hashes.push_back(h.hash);
      if (h.at.level < kAllFrom && l.hashes.size() > kWindow) {
        l.hashes.pop_front();
        ++l.first;
      }
    }
  }
  // Drops what a failed commit left behind: every subtree not complete within `size` entries.
  void forget_from(std::uint64_t size) {
    WriterMutexLock lock(mu_);
    for (std::size_t level = 0; level < levels_.size(); ++level) {
      Level& l = levels_[level];
      const std::uint64_t complete = level < 64 ? size >> level : 0;
      if (complete <= l.first) {
        l.hashes.clear();
      } else if (l.first + l.hashes.size() > complete) {
        l.hashes.resize(static_cast<std::size_t>(complete - l.first));
      }
    }
  }

 private:
  struct Level {
    std::uint64_t first = 0;  // index of hashes.front()
    std::deque<ledger::Hash> hashes;
  };
  static Error not_stored(int level, std::uint64_t index) {
    return make_error(ErrorCode::kNotFound, "tree hash (" + std::to_string(level) + ", " +
                                                std::to_string(index) + ") is not stored");
  }
  std::optional<ledger::Hash> cached(int level, std::uint64_t index) const {
    ReaderMutexLock lock(mu_);
    return cached_locked(level, index);
  }
  std::optional<ledger::Hash> cached_locked(int level, std::uint64_t index) const
      TABELLA_REQUIRES_SHARED(mu_) {
    if (level < 0 || static_cast<std::size_t>(level) >= levels_.size()) return std::nullopt;
    const Level& l = levels_[static_cast<std::size_t>(level)];
    if (index < l.first || index - l.first >= l.hashes.size()) return std::nullopt;
    return l.hashes[static_cast<std::size_t>(index - l.first)];
  }

  Storage& storage_;
  mutable SharedMutex mu_;
  std::vector<Level> levels_ TABELLA_GUARDED_BY(mu_);
};

}  // namespace tabella::server
