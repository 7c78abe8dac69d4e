#include "tabella/server/committer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include "tabella/server/log.h"
#include "tabella/server/metrics.h"
#include "tabella/util/mutex.h"

namespace tabella::server {

BatchView::~BatchView() = default;
BatchHooks::~BatchHooks() = default;
RemoteLog::~RemoteLog() = default;

namespace {

// How long a batch waits for an unreachable cluster log before it is answered "unavailable".
constexpr std::chrono::seconds kUnreachableWait{5};

struct Pending {
  Bytes entry;
  Prepared prepared;
  AppendCallback done;
  bool stored = false;  // submit_stored(): expected in the cluster log already
};

// The validator's window on the batch: committed storage under two overlays (the batch's
// accepted effects, and the staged effects of the entry under validation).
class BatchViewImpl final : public BatchView {
 public:
  explicit BatchViewImpl(Storage& storage) : storage_(storage) {}

  void begin_entry(std::uint64_t index) {
    index_ = index;
    staged_state_.clear();
    staged_hashes_.clear();
  }
  void accept_entry() {
    for (auto& [k, v] : staged_state_) batch_state_[k] = std::move(v);
    for (auto& [k, v] : staged_hashes_) batch_hashes_[k] = v;
    staged_state_.clear();
    staged_hashes_.clear();
  }
  void reject_entry() {
    staged_state_.clear();
    staged_hashes_.clear();
  }
  BatchEffects take_effects() {
    BatchEffects fx;
    for (auto& [k, v] : batch_state_) fx.state.push_back({k, std::move(v)});
    for (auto& [k, v] : batch_hashes_) fx.hashes.push_back({k.first, k.second, v});
    batch_state_.clear();
    batch_hashes_.clear();
    return fx;
  }

  std::uint64_t index() const override { return index_; }
  Result<std::optional<Bytes>> get_state(std::string_view key) override {
    std::string k(key);
    if (auto it = staged_state_.find(k); it != staged_state_.end()) return it->second;
    if (auto it = batch_state_.find(k); it != batch_state_.end()) return it->second;
    return storage_.get_state(key);
  }
  void put_state(std::string key, Bytes value) override {
    staged_state_[std::move(key)] = std::move(value);
  }
  void delete_state(std::string key) override { staged_state_[std::move(key)] = std::nullopt; }
  Result<std::optional<Digest>> get_hash(std::uint32_t level, std::uint64_t index) override {
    auto k = std::make_pair(level, index);
    if (auto it = staged_hashes_.find(k); it != staged_hashes_.end()) return {it->second};
    if (auto it = batch_hashes_.find(k); it != batch_hashes_.end()) return {it->second};
    return storage_.get_hash(level, index);
  }
  void put_hash(std::uint32_t level, std::uint64_t index, const Digest& hash) override {
    staged_hashes_[{level, index}] = hash;
  }

 private:
  Storage& storage_;
  std::uint64_t index_ = 0;
  std::map<std::string, std::optional<Bytes>> staged_state_, batch_state_;
  std::map<std::pair<std::uint32_t, std::uint64_t>, Digest> staged_hashes_, batch_hashes_;
};

}  // namespace

struct Committer::Impl {
  Storage& storage;
  BatchHooks& hooks;
  Options options;
  Metrics* metrics;

  Mutex mu;
  CondVar cv;
  std::deque<Pending> queue TABELLA_GUARDED_BY(mu);
  bool stopping TABELLA_GUARDED_BY(mu) = false;
  bool woken TABELLA_GUARDED_BY(mu) = false;
  // False from taking a batch until its commit is done (callbacks then run).
  bool idle TABELLA_GUARDED_BY(mu) = true;
  // An entry came while a batch was committing.
  bool busy_arrival TABELLA_GUARDED_BY(mu) = false;
  std::size_t last_batch TABELLA_GUARDED_BY(mu) = 0;  // entries in the batch taken last
  // A history this node must not extend (a remote entry the hooks refused, or halt()).
  mutable Mutex fatal_mu;
  std::optional<Error> fatal TABELLA_GUARDED_BY(fatal_mu);
  // Disk full: set when a commit failed for lack of space. Until a probe write fits again,
  // batches are refused at once (no validation, no state to undo); handlers refuse before any
  // verification while now < next_probe (writes_refused()).
  std::atomic<bool> disk_full{false};
  std::atomic<std::int64_t> next_probe{0};  // steady_clock ticks
  std::optional<Error> disk_error;          // committer thread
  bool won_last = false;  // committer thread: this node's last cluster append won the compare
  Mutex join_mu;
  std::thread thread TABELLA_GUARDED_BY(join_mu);

  Impl(Storage& s, BatchHooks& h, Options o, Metrics* m)
      : storage(s), hooks(h), options(o), metrics(m) {}

  std::optional<Error> fatal_error() const {
    MutexLock lock(fatal_mu);
    return fatal;
  }
  // Returns the error that stays (the first one).
  Error set_fatal(Error error) {
    {
      MutexLock lock(fatal_mu);
      if (fatal) return *fatal;
      fatal = error;
    }
    log_event(LogLevel::kError, "halted",
              {{"message", error.describe()},
               {"action",
                "this node appends nothing more and serves only the history before the refused "
                "entry; see docs/cluster.md"}});
    return error;
  }

  void run() {
    for (;;) {
      std::vector<Pending> batch;
      {
        MutexLock lock(mu);
        idle = true;
        while (!stopping && !woken && queue.empty()) cv.wait(mu);
        if (queue.empty() && stopping) return;  // stopping and drained
        // Concurrent clients (entries came in while the previous batch was committing, or it
        // held several): give the next batch a moment to fill.
        if (options.linger.count() > 0 && !stopping && !queue.empty() && !queue.front().stored &&
            queue.size() < options.linger_target && (busy_arrival || last_batch > 1)) {
          const auto until = std::chrono::steady_clock::now() + options.linger;
          while (!stopping && queue.size() < options.linger_target) {
            if (!cv.wait_until(mu, until)) break;
          }
        }
        idle = false;
        busy_arrival = false;
        woken = false;
        std::size_t bytes = 0;
        while (!queue.empty() && batch.size() < options.max_batch_entries &&
               (batch.empty() || bytes + queue.front().entry.size() <= options.max_batch_bytes)) {
          bytes += queue.front().entry.size();
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
        last_batch = batch.size();
      }
      if (batch.empty()) {
        (void)timed_catch_up();
        continue;
      }
      process(batch);
    }
  }

  // Cluster mode: applies the entries other nodes appended, through the hooks. A refused entry
  // is fatal (sticky); an unreachable cluster is not (the next append's compare settles it).
  // Bounded: it goes to the cluster size read once at the start, not until a fetch comes back
  // empty. A node appending without pause would otherwise keep this one catching up for as long
  // as its clients last (each round here costs etcd round trips and a local commit, so it rarely
  // sees an empty fetch); entries appended after the size was read make the append that follows
  // lose the race, and the conflict retry catches up again.
  // `known`: a cluster size read just before (the yield's), saving the round trip.
  Status catch_up(std::optional<std::uint64_t> known = std::nullopt) {
    if (options.remote == nullptr) return Status::success();
    if (auto f = fatal_error()) return Status(*f);
    auto target = known ? Result<std::uint64_t>(*known) : options.remote->catch_up_target();
    if (!target) return target.error();
    for (;;) {
      auto base = storage.size();
      if (!base) return base.error();
      if (*base >= *target) return Status::success();
      const auto want = static_cast<std::size_t>(
          std::min<std::uint64_t>(*target - *base, options.max_batch_entries));
      auto remote = options.remote->fetch_remote(want);
      if (!remote) return remote.error();
      if (remote->empty()) return Status::success();
      if (remote->size() > want) remote->resize(want);
      BatchViewImpl view(storage);
      for (std::size_t i = 0; i < remote->size(); ++i) {
        view.begin_entry(*base + i);
        Status verdict = hooks.validate_remote((*remote)[i], view);
        if (!verdict.ok()) {
          view.reject_entry();
          hooks.after_commit(verdict);
          return Status(
              set_fatal(Error{ErrorCode::kConflict,
                              "the cluster log holds an entry this node's rules refuse at index " +
                                  std::to_string(*base + i) + ": " + verdict.error().describe(),
                              "cluster"}));
        }
        view.accept_entry();
      }
      view.begin_entry(*base);
      hooks.before_commit(*base, *remote, view);
      view.accept_entry();
      const auto apply_start = std::chrono::steady_clock::now();
      Status applied = options.remote->apply_remote(*base, std::move(*remote), view.take_effects());
      if (metrics) {
        metrics->add_stage_seconds(
            "apply_remote_wall",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - apply_start).count());
      }
      hooks.after_commit(applied);
      if (!applied.ok()) return applied;
    }
  }

  // catch_up(), its wall time counted as stage "catchup_wall" (etcd round trips, the remote
  // entries' cheap checks, their local commit): where a cluster node's commit cycle goes.
  Status timed_catch_up(std::optional<std::uint64_t> known = std::nullopt) {
    if (options.remote == nullptr) return Status::success();
    const auto start = std::chrono::steady_clock::now();
    Status st = catch_up(known);
    if (metrics) {
      metrics->add_stage_seconds(
          "catchup_wall",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return st;
  }

  static std::int64_t ticks(std::chrono::steady_clock::time_point t) {
    return t.time_since_epoch().count();
  }

  // While the disk is full: probes once per disk_probe_interval; refuses the batch unless the
  // probe's write fits. Returns false when the batch was refused (callbacks run).
  bool disk_allows(std::vector<Pending>& batch) {
    if (!disk_full) return true;
    auto now = std::chrono::steady_clock::now();
    Status probe = Status(*disk_error);
    if (ticks(now) >= next_probe.load()) {
      std::size_t bytes = 0;
      for (const auto& p : batch) bytes += p.entry.size();
      probe = storage.probe_write(bytes * 2 + 4096);  // the entries, their index and hashes
      if (probe.ok()) {
        disk_full = false;
        log_event(LogLevel::kInfo, "disk_writable", {{"message", "writes are accepted again"}});
        return true;
      }
      next_probe = ticks(now + options.disk_probe_interval);
    }
    for (auto& p : batch) p.done(probe.error());
    return false;
  }

  // Returns the error the batch's callbacks get: a full disk's with the plain field "disk",
  // whatever prefix the storage gave it (docs/api.md).
  Error note_commit_error(Error error) {
    if (!is_disk_full(error)) return error;
    error.field = std::string(kDiskFullField);
    if (!disk_full) {
      log_event(LogLevel::kError, "disk_full",
                {{"message", error.describe()},
                 {"action", "refusing writes (503) until space is freed; reads go on"}});
    }
    disk_error = error;
    next_probe = ticks(std::chrono::steady_clock::now() + options.disk_probe_interval);
    disk_full = true;
    return error;
  }

  // Cluster mode: after winning a race another node lost, let the others append first: wait
  // until the cluster log grows past this node's copy (the watch wakes the committer), or at
  // most contention_yield. Without it a node with a steady stream of clients would win nearly
  // every race against a node that must first catch up with its entries. Returns the cluster
  // size it saw grow past the local copy (the catch-up that follows goes there without asking
  // again), if any.
  std::optional<std::uint64_t> yield_if_contended() {
    if (options.remote == nullptr || !options.remote->take_contended()) return std::nullopt;
    const auto start = std::chrono::steady_clock::now();
    const auto until = start + options.contention_yield;
    struct Count {
      Metrics* metrics;
      std::chrono::steady_clock::time_point start;
      ~Count() {
        if (metrics == nullptr) return;
        metrics->add_stage_seconds(
            "yield_wall",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
    } count{metrics, start};
    for (;;) {
      auto cluster = options.remote->cluster_size();
      auto local = storage.size();
      if (!cluster || !local) return std::nullopt;
      if (*cluster > *local) return *cluster;
      MutexLock lock(mu);
      while (!stopping && !woken) {
        if (!cv.wait_until(mu, until)) return std::nullopt;
      }
      if (stopping) return std::nullopt;
      woken = false;
    }
  }

  // Cluster mode: one pass over the batch without a catch-up first (process_once's
  // `optimistic`). Returns whether it answered the batch.
  bool without_catch_up(std::vector<Pending>& batch) {
    if (fatal_error()) return false;
    const bool answered = process_once(batch, /*last=*/false, /*optimistic=*/true);
    if (metrics) metrics->add_optimistic_appends(answered);
    return answered;
  }

  void process(std::vector<Pending>& batch) {
    if (!disk_allows(batch)) return;
    const auto stored = [](const Pending& p) { return p.stored; };
    // Entries the appender stored for this node (submit_stored): a catch-up the watch started
    // has usually brought them into the copy already, and then they are answered from it.
    if (options.remote != nullptr && std::all_of(batch.begin(), batch.end(), stored) &&
        without_catch_up(batch)) {
      return;
    }
    std::optional<std::uint64_t> known = yield_if_contended();
    // No catch-up first when this node's previous append won and nothing says the cluster
    // grew since: not another node's win (`known`), not an entry another node stored for us.
    if (options.remote != nullptr && options.optimistic_append && won_last && !known &&
        std::none_of(batch.begin(), batch.end(), stored) && without_catch_up(batch)) {
      return;
    }
    auto unreachable_since = std::chrono::steady_clock::now();
    auto backoff = std::chrono::milliseconds(25);
    for (std::size_t attempt = 0;; ++attempt) {
      if (auto f = fatal_error()) {
        for (auto& p : batch) p.done(*f);
        return;
      }
      // A catch-up to a size read after the batch arrived (the yield's, or a confirming read
      // below) leaves a copy that holds every entry committed before it: refusals made against
      // it stand. Any other target (the watch's, a lost append's) may lag.
      const bool current = known.has_value();
      Status st = timed_catch_up(known);
      known.reset();
      if (!st.ok()) {
        if (auto f = fatal_error()) {
          for (auto& p : batch) p.done(*f);
          return;
        }
        // The cluster log cannot be read (an etcd election, a partition): this node's copy may
        // lag, and validating against it would refuse valid entries (a kiosk's next ballot
        // "does not follow" the ones another node appended). Wait for the cluster a bounded
        // time, then answer "unavailable" (503: the client retries), never a 4xx.
        if (std::chrono::steady_clock::now() - unreachable_since > kUnreachableWait) {
          Error e = make_unavailable(
              "the cluster log cannot be read (" + st.error().describe() + "); retry later",
              "cluster", 1);
          for (auto& p : batch) p.done(e);
          return;
        }
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(500));
        continue;
      }
      bool last = options.remote == nullptr || attempt >= options.max_conflict_retries;
      if (process_once(batch, last, /*optimistic=*/false, current ? nullptr : &known)) return;
    }
  }

  // One attempt; returns false (callbacks not run) when the append lost a cluster race and
  // `last` is false. `optimistic`: the local copy was not caught up first, so it may lag the
  // cluster log. What was validated against it stands only if an append then won the compare
  // on P size (the copy was the cluster's): when nothing is appended but something was
  // refused, or the append fails for any reason, it returns false for a catch-up and a second
  // validation instead of answering. So does an entry the appender stored (submit_stored) that
  // the copy does not hold yet.
  // `confirm` (cluster mode, a catch-up to a target that may lag: the watch's size, a lost
  // append's): a pass that would answer with refusals and append nothing first reads the
  // cluster's size (linearizable); if the log is longer than the copy, it returns false with
  // that size in *confirm, for a catch-up there and a second validation. (An append that wins
  // confirms the copy by itself: the compare on P size.) Without it a kiosk's next ballot could
  // be refused as "not following" entries the watch had not delivered yet.
  bool process_once(std::vector<Pending>& batch, bool last, bool optimistic = false,
                    std::optional<std::uint64_t>* confirm = nullptr) {
    // Per request: the outcome to deliver after the commit. For accepted entries the index is
    // filled in from the storage's answer; for in-batch duplicates it points at the first copy.
    struct Slot {
      Digest hash{};
      enum class Kind { kAccepted, kDuplicateStored, kDuplicateInBatch, kFailed } kind{};
      std::size_t accepted_pos = 0;  // kAccepted / kDuplicateInBatch: index into `entries`
      std::uint64_t stored_index = 0;
      std::optional<Error> error;
    };
    std::vector<Slot> slots(batch.size());
    std::vector<Bytes> entries;
    std::map<Digest, std::size_t> in_batch;  // hash -> position in `entries`
    BatchViewImpl view(storage);
    std::uint64_t rejected = 0, duplicates = 0;

    auto base = storage.size();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Slot& slot = slots[i];
      if (!base) {
        slot.kind = Slot::Kind::kFailed;
        slot.error = base.error();
        continue;
      }
      slot.hash = sha256(batch[i].entry);
      if (auto it = in_batch.find(slot.hash); it != in_batch.end()) {
        slot.kind = Slot::Kind::kDuplicateInBatch;
        slot.accepted_pos = it->second;
        ++duplicates;
        continue;
      }
      auto found = storage.find_by_hash(slot.hash);
      if (optimistic && batch[i].stored && !(found && *found)) return false;
      if (!found) {
        slot.kind = Slot::Kind::kFailed;
        slot.error = found.error();
        continue;
      }
      if (*found) {
        slot.kind = Slot::Kind::kDuplicateStored;
        slot.stored_index = **found;
        ++duplicates;
        continue;
      }
      view.begin_entry(*base + entries.size());
      Status verdict = hooks.validate(batch[i].entry, batch[i].prepared, view);
      if (!verdict.ok()) {
        view.reject_entry();
        slot.kind = Slot::Kind::kFailed;
        slot.error = verdict.error();
        ++rejected;
        continue;
      }
      view.accept_entry();
      slot.kind = Slot::Kind::kAccepted;
      slot.accepted_pos = entries.size();
      in_batch.emplace(slot.hash, entries.size());
      entries.push_back(batch[i].entry);  // kept for a retry after a cluster conflict
    }

    if (optimistic && entries.empty() && rejected > 0) return false;
    if (confirm != nullptr && options.remote != nullptr && entries.empty() && rejected > 0 &&
        base) {
      auto cluster = options.remote->cluster_size();
      if (!cluster) return false;  // unreadable: the next catch-up waits for the cluster
      if (*cluster > *base) {
        *confirm = *cluster;
        return false;
      }
    }
    std::vector<std::uint64_t> positions;
    std::optional<Error> commit_error;
    if (!entries.empty()) {
      std::size_t count = entries.size();
      view.begin_entry(*base);
      hooks.before_commit(*base, entries, view);
      view.accept_entry();
      auto start = std::chrono::steady_clock::now();
      auto r = [&] {
        StageTimer cpu(metrics, "commit_cpu");  // the storage's own CPU, beside its wall time
        return storage.append_batch(std::move(entries), view.take_effects());
      }();
      std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      if (r && (r->empty() || r->front() != *base)) {
        // Someone else appended: positions differ from what validation assumed.
        r = make_error(ErrorCode::kConflict, "the log grew outside this committer");
      }
      if (options.remote != nullptr) won_last = r.ok();
      if (r) {
        positions = std::move(*r);
        if (metrics) {
          metrics->observe_commit(count, took.count());
          metrics->add_stage_seconds("commit", took.count());
        }
        hooks.after_commit(Status::success());
      } else {
        commit_error = note_commit_error(r.error());
        if (metrics) {
          metrics->add_commit_failures(1);
          metrics->add_stage_seconds("failed_commit_wall", took.count());
        }
        hooks.after_commit(Status(r.error()));
        if (optimistic || (!last && r.error().reason == ErrorReason::kAppendRace)) {
          return false;  // another node appended first: catch up and validate again
        }
      }
    }
    if (metrics) {
      metrics->add_rejected(rejected);
      metrics->add_duplicates(duplicates);
    }
    {
      // From here on an arrival may be a client answering its own receipt: not concurrency.
      MutexLock lock(mu);
      idle = true;
    }

    for (std::size_t i = 0; i < batch.size(); ++i) {
      Slot& slot = slots[i];
      AppendCallback done = std::move(batch[i].done);
      switch (slot.kind) {
        case Slot::Kind::kFailed:
          done(*slot.error);
          break;
        case Slot::Kind::kDuplicateStored:
          done(AppendOutcome{slot.stored_index, /*duplicate=*/true, slot.hash});
          break;
        case Slot::Kind::kAccepted:
        case Slot::Kind::kDuplicateInBatch:
          if (commit_error) {
            done(*commit_error);
          } else {
            done(AppendOutcome{positions[slot.accepted_pos],
                               slot.kind == Slot::Kind::kDuplicateInBatch, slot.hash});
          }
          break;
      }
    }
    return true;
  }
};

Committer::Committer(Storage& storage, BatchHooks& hooks, Options options, Metrics* metrics)
    : impl_(std::make_unique<Impl>(storage, hooks, options, metrics)) {
  MutexLock lock(impl_->join_mu);
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

Committer::~Committer() {
  stop();
}

void Committer::submit_stored(Bytes entry, AppendCallback done) {
  enqueue(std::move(entry), nullptr, std::move(done), /*stored=*/true);
}

void Committer::submit(Bytes entry, Prepared prepared, AppendCallback done) {
  enqueue(std::move(entry), std::move(prepared), std::move(done), /*stored=*/false);
}

void Committer::enqueue(Bytes entry, Prepared prepared, AppendCallback done, bool stored) {
  {
    MutexLock lock(impl_->mu);
    if (!impl_->stopping) {
      impl_->queue.push_back(
          Pending{std::move(entry), std::move(prepared), std::move(done), stored});
      if (!impl_->idle) impl_->busy_arrival = true;
      // The committer waits for a non-empty queue, or lingers for linger_target entries.
      if (impl_->queue.size() == 1 || impl_->queue.size() >= impl_->options.linger_target) {
        impl_->cv.notify_one();
      }
      return;
    }
  }
  done(make_unavailable("the ledger is shutting down; retry later", "server", 1));
}

bool Committer::writes_refused() const {
  return impl_->disk_full &&
         Impl::ticks(std::chrono::steady_clock::now()) < impl_->next_probe.load();
}

bool Committer::disk_full() const {
  return impl_->disk_full;
}

void Committer::report_disk_full(const Error& error) {
  (void)impl_->note_commit_error(error);
}

void Committer::wake() {
  {
    MutexLock lock(impl_->mu);
    impl_->woken = true;
  }
  impl_->cv.notify_one();
}

void Committer::halt(const Error& error) {
  (void)impl_->set_fatal(error);
}

std::optional<Error> Committer::halted() const {
  return impl_->fatal_error();
}

void Committer::stop() {
  {
    MutexLock lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  MutexLock join_lock(impl_->join_mu);
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace tabella::server
