// ProofFrontier: how far this node has checked every entry of its committed log, proofs included
// (docs/cluster.md, "Proofs off the commit path"). In cluster mode a remote entry is committed
// with its signature and the cheap election rules checked, and its zero-knowledge proofs are
// checked afterwards on the verification pool; until they are, the entry is pending. The
// verified frontier is the size up to which no entry is pending or failed:
//
//   frontier() = min(committed size, first pending index, first failed index)
//
// What the node serves (checkpoints, receipts, tlog and record routes, the export, what it offers
// to witnesses) never goes beyond it. A failed entry keeps the frontier at its index for good.
//
// Thread-safety: every method from any thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <set>
#include <utility>

#include "tabella/util/mutex.h"
#include "tabella/util/result.h"

namespace tabella::server {

class ProofFrontier {
 public:
  struct Failure {
    std::uint64_t index = 0;
    Error error;
  };

  // Every entry below `size` is committed (those not pending or failed are verified).
  void committed(std::uint64_t size) {
    MutexLock lock(mu_);
    committed_ = size;
  }
  // The entry at `index` is committed (or about to be) with its proofs unchecked. Call before
  // committed() covers it.
  void pending(std::uint64_t index) {
    MutexLock lock(mu_);
    pending_.insert(index);
  }
  void verified(std::uint64_t index) {
    MutexLock lock(mu_);
    pending_.erase(index);
    ++checked_;
  }
  // Returns true when this is the lowest failure so far.
  bool failed(std::uint64_t index, Error error) {
    MutexLock lock(mu_);
    pending_.erase(index);
    ++checked_;
    ++failures_;
    if (failure_ && failure_->index <= index) return false;
    failure_ = Failure{index, std::move(error)};
    return true;
  }

  std::uint64_t frontier() const {
    MutexLock lock(mu_);
    return frontier_locked();
  }
  std::optional<Failure> failure() const {
    MutexLock lock(mu_);
    return failure_;
  }

  struct Counts {
    std::uint64_t committed = 0, frontier = 0, pending = 0, checked = 0, failures = 0;
  };
  Counts counts() const {
    MutexLock lock(mu_);  // one lock: the counts agree with each other
    return {committed_, frontier_locked(), pending_.size(), checked_, failures_};
  }

 private:
  std::uint64_t frontier_locked() const TABELLA_REQUIRES(mu_) {
    std::uint64_t f = committed_;
    if (!pending_.empty()) f = std::min(f, *pending_.begin());
    if (failure_) f = std::min(f, failure_->index);
    return f;
  }

  mutable Mutex mu_;
  std::uint64_t committed_ TABELLA_GUARDED_BY(mu_) = 0;
  std::set<std::uint64_t> pending_ TABELLA_GUARDED_BY(mu_);
  std::optional<Failure> failure_ TABELLA_GUARDED_BY(mu_);  // the lowest index that failed
  std::uint64_t checked_ TABELLA_GUARDED_BY(mu_) = 0;
  std::uint64_t failures_ TABELLA_GUARDED_BY(mu_) = 0;
};

}  // namespace tabella::server
