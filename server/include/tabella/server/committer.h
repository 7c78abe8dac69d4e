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
// Expensive checks (proofs, signatures) belong BEFORE submit(), on a ThreadPool.
//
// Thread-safety: submit() and stop() may be called from any thread. Callbacks run on the
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

namespace tabella::server {

class Metrics;

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

// Decides whether one entry may be appended; an error rejects the entry (its message reaches the
// client). Runs on the committer thread: keep it cheap, no I/O besides the view.
using Validator = std::function<Status(ByteView entry, BatchView& view)>;

// The default validator: accepts every entry.
Status accept_all(ByteView entry, BatchView& view);

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
  };

  // storage and metrics (may be null) must outlive the Committer.
  Committer(Storage& storage, Validator validator, Options options, Metrics* metrics = nullptr);
  ~Committer();  // stop()
  Committer(const Committer&) = delete;
  Committer& operator=(const Committer&) = delete;

  // Queues one entry; done is called exactly once. After stop() began, done receives kIo.
  void submit(Bytes entry, AppendCallback done);

  // Commits everything already queued, then joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella::server
