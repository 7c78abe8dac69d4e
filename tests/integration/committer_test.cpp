// Group commit: concurrency, durability before callbacks, in-batch validation, duplicates.
#include "tabella/server/committer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "support/accept_all_ledger.h"
#include "support/temp_dir.h"
#include "tabella/server/metrics.h"
#include "tabella/server/sqlite_storage.h"
#include "tabella/server/thread_pool.h"

namespace tabella::server {
namespace {

using testing::TempDir;

Bytes b(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

Result<AppendOutcome> submit_wait(Committer& c, Bytes entry) {
  std::promise<Result<AppendOutcome>> p;
  auto f = p.get_future();
  c.submit(std::move(entry), [&p](Result<AppendOutcome> r) { p.set_value(std::move(r)); });
  return f.get();
}

TEST(Committer, ManyThreadsEveryAckPresentExactlyOnce) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  Metrics metrics;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  std::mutex mu;
  std::map<std::uint64_t, Bytes> acked;  // index -> entry
  {
    testing::AcceptAllHooks hooks;
    Committer committer(*storage, hooks, Committer::Options{}, &metrics);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        // Each thread submits asynchronously and waits for all of its acks at the end, so many
        // requests are queued at once (that is what group commit batches).
        std::vector<std::future<Result<AppendOutcome>>> futures;
        std::vector<std::shared_ptr<std::promise<Result<AppendOutcome>>>> promises;
        for (int i = 0; i < kPerThread; ++i) {
          auto p = std::make_shared<std::promise<Result<AppendOutcome>>>();
          futures.push_back(p->get_future());
          Bytes e = b("t" + std::to_string(t) + "-" + std::to_string(i));
          committer.submit(e, [p, e, &storage](Result<AppendOutcome> r) {
            // Durable before the callback: the committed row is already readable.
            if (r) {
              EXPECT_EQ(**storage->find_by_hash(sha256(e)), r->index);
            }
            p->set_value(std::move(r));
          });
        }
        for (int i = 0; i < kPerThread; ++i) {
          auto r = futures[static_cast<std::size_t>(i)].get();
          ASSERT_TRUE(r.ok()) << r.error().describe();
          EXPECT_FALSE(r->duplicate);
          std::lock_guard<std::mutex> lock(mu);
          bool fresh =
              acked.emplace(r->index, b("t" + std::to_string(t) + "-" + std::to_string(i))).second;
          EXPECT_TRUE(fresh) << "index " << r->index << " acknowledged twice";
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  const std::size_t total = kThreads * kPerThread;
  ASSERT_EQ(acked.size(), total);
  ASSERT_EQ(*storage->size(), total);
  auto all = *storage->read_range(0, total);
  for (const auto& [index, entry] : acked) EXPECT_EQ(all[index], entry) << index;
  // Order is consistent per submitter: a thread's entries appear in its submission order.
  for (int t = 0; t < kThreads; ++t) {
    std::uint64_t last = 0;
    bool first = true;
    for (int i = 0; i < kPerThread; ++i) {
      auto idx =
          **storage->find_by_hash(sha256(b("t" + std::to_string(t) + "-" + std::to_string(i))));
      if (!first) {
        EXPECT_GT(idx, last);
      }
      last = idx;
      first = false;
    }
  }
  EXPECT_EQ(metrics.entries_appended(), total);
  EXPECT_LT(metrics.commits(), total) << "no batching happened";
  std::printf("[ info ] %zu appends in %llu commits\n", total,
              static_cast<unsigned long long>(metrics.commits()));
}

// Closed-loop clients (each waits for its receipt before sending again, like kiosks) whose
// arrivals are spread out: with a linger the committer waits for the others instead of
// committing each arrival alone.
TEST(Committer, LingerFillsBatchesUnderConcurrentLoad) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  Metrics metrics;
  constexpr int kClients = 8;
  constexpr int kPerClient = 40;
  Committer::Options options;
  options.linger = std::chrono::milliseconds(200);
  options.linger_target = kClients;
  {
    testing::AcceptAllHooks hooks;
    Committer committer(*storage, hooks, options, &metrics);
    std::vector<std::thread> clients;
    for (int t = 0; t < kClients; ++t) {
      clients.emplace_back([&, t] {
        for (int i = 0; i < kPerClient; ++i) {
          // Arrivals spread out as they are in the ledger, where each entry's proof check
          // (milliseconds, on the worker pool) stands between a receipt and the next append.
          std::this_thread::sleep_for(std::chrono::microseconds(500 + 700 * ((t * 7 + i * 3) % 5)));
          auto r = submit_wait(committer, b("c" + std::to_string(t) + "-" + std::to_string(i)));
          ASSERT_TRUE(r.ok()) << r.error().describe();
        }
      });
    }
    for (auto& th : clients) th.join();
  }
  const std::uint64_t total = kClients * kPerClient;
  EXPECT_EQ(*storage->size(), total);
  std::printf("[ info ] %llu appends in %llu commits\n", static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(metrics.commits()));
  EXPECT_LE(metrics.commits(), total / 5) << "batches stayed small: the committer did not linger";
}

// A client alone never waits for company: with a 60 s linger, 20 sequential appends finish at
// once (one wrongful linger would hold an append for a minute).
TEST(Committer, LoneClientIsNotHeldByTheLinger) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  Committer::Options options;
  options.linger = std::chrono::seconds(60);
  testing::AcceptAllHooks hooks;
  Committer committer(*storage, hooks, options);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(submit_wait(committer, b("e" + std::to_string(i))).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

// Entries another node appended (submit_stored, a cluster node with one appender) are never held
// by the linger: a fuller batch of them saves no append. With a 60 s linger and a target no batch
// reaches, 8 concurrent clients' 20 resubmissions each are answered at once; with the linger a
// batch would wait a minute (the test gives each answer 20 s).
TEST(Committer, StoredEntriesAreNotHeldByTheLinger) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  Committer::Options options;
  options.linger = std::chrono::seconds(60);
  options.linger_target = 1000;
  testing::AcceptAllHooks hooks;
  Committer committer(*storage, hooks, options);
  constexpr int kClients = 8;
  for (int t = 0; t < kClients; ++t) {
    ASSERT_TRUE(submit_wait(committer, b("s" + std::to_string(t))).ok());
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> clients;
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        // Shared: a lingering committer answers after this thread gave up.
        auto p = std::make_shared<std::promise<Result<AppendOutcome>>>();
        auto f = p->get_future();
        committer.submit_stored(b("s" + std::to_string(t)),
                                [p](Result<AppendOutcome> r) { p->set_value(std::move(r)); });
        ASSERT_EQ(f.wait_for(std::chrono::seconds(20)), std::future_status::ready)
            << "a stored entry waited for the linger";
        auto r = f.get();
        ASSERT_TRUE(r.ok()) << r.error().describe();
        EXPECT_TRUE(r->duplicate);
        EXPECT_EQ(r->index, static_cast<std::uint64_t>(t));
      }
    });
  }
  for (auto& th : clients) th.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(*storage->size(), static_cast<std::uint64_t>(kClients));
}

// A toy "token" validator: entry "spend:<t>" may be appended once per token; the second spend is
// rejected even when both are in the same batch.
Status token_validator(ByteView entry, BatchView& view) {
  std::string text = to_string(entry);
  if (text.rfind("spend:", 0) != 0) return Status::success();
  std::string key = "token/" + text.substr(6, text.find('#') - 6);
  auto seen = view.get_state(key);
  if (!seen) return seen.error();
  if (*seen) return make_error(ErrorCode::kConflict, "token already spent", "token");
  view.put_state(key, b(std::to_string(view.index())));
  return Status::success();
}

TEST(Committer, ValidatorSeesEarlierEntriesOfTheSameBatch) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  testing::AcceptAllHooks hooks(token_validator);
  Committer committer(*storage, hooks, Committer::Options{});
  // Submit everything before the committer can take any of it as one batch... or several: the
  // outcome must be the same either way.
  std::vector<std::promise<Result<AppendOutcome>>> promises(5);
  std::vector<std::string> entries = {"spend:A#1", "spend:B#1", "spend:A#2", "other", "spend:B#2"};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    committer.submit(b(entries[i]), [&promises, i](Result<AppendOutcome> r) {
      promises[i].set_value(std::move(r));
    });
  }
  std::vector<Result<AppendOutcome>> results;
  for (auto& p : promises) results.push_back(p.get_future().get());
  EXPECT_TRUE(results[0].ok());
  EXPECT_TRUE(results[1].ok());
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code, ErrorCode::kConflict);
  EXPECT_TRUE(results[3].ok()) << "a rejected entry must not abort the batch";
  ASSERT_FALSE(results[4].ok());
  EXPECT_EQ(*storage->size(), 3u);
  EXPECT_EQ(results[0]->index, 0u);
  EXPECT_EQ(results[1]->index, 1u);
  EXPECT_EQ(results[3]->index, 2u);
  EXPECT_EQ(**storage->get_state("token/A"), b("0"));
  EXPECT_EQ(**storage->get_state("token/B"), b("1"));
  // Across batches too.
  auto again = submit_wait(committer, b("spend:A#3"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().field, "token");
}

TEST(Committer, RejectedEntryEffectsAreDiscarded) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  testing::AcceptAllHooks hooks([](ByteView entry, BatchView& view) -> Status {
    view.put_state("touched/" + to_string(entry), b("1"));
    view.put_hash(0, view.index(), sha256(entry));
    if (to_string(entry) == "bad") return make_error(ErrorCode::kPermission, "no");
    return Status::success();
  });
  Committer committer(*storage, hooks, Committer::Options{});
  EXPECT_FALSE(submit_wait(committer, b("bad")).ok());
  EXPECT_TRUE(submit_wait(committer, b("good")).ok());
  EXPECT_FALSE(storage->get_state("touched/bad")->has_value());
  EXPECT_TRUE(storage->get_state("touched/good")->has_value());
  EXPECT_EQ(**storage->get_hash(0, 0), sha256(b("good")));
}

TEST(Committer, DuplicatesReturnTheOriginalIndex) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  std::atomic<int> validated{0};
  testing::AcceptAllHooks hooks([&](ByteView, BatchView&) {
    ++validated;
    return Status::success();
  });
  Committer committer(*storage, hooks, Committer::Options{});
  auto first = submit_wait(committer, b("same"));
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->duplicate);
  auto second = submit_wait(committer, b("same"));
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->duplicate);
  EXPECT_EQ(second->index, first->index);
  EXPECT_EQ(second->hash, sha256(b("same")));
  EXPECT_EQ(validated.load(), 1) << "a stored duplicate is not validated again";
  // In-batch duplicates: both complete with the same index, only one row.
  std::promise<Result<AppendOutcome>> p1, p2;
  committer.submit(b("twin"), [&](Result<AppendOutcome> r) { p1.set_value(std::move(r)); });
  committer.submit(b("twin"), [&](Result<AppendOutcome> r) { p2.set_value(std::move(r)); });
  auto r1 = p1.get_future().get();
  auto r2 = p2.get_future().get();
  ASSERT_TRUE(r1.ok() && r2.ok());
  EXPECT_EQ(r1->index, r2->index);
  EXPECT_EQ(*storage->size(), 2u);
}

TEST(Committer, StopDrainsAndThenRefuses) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  testing::AcceptAllHooks hooks;
  Committer committer(*storage, hooks, Committer::Options{});
  std::atomic<int> ok{0};
  for (int i = 0; i < 100; ++i) {
    committer.submit(b("e" + std::to_string(i)), [&](Result<AppendOutcome> r) {
      if (r) ++ok;
    });
  }
  committer.stop();
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(*storage->size(), 100u);
  auto late = submit_wait(committer, b("late"));
  ASSERT_FALSE(late.ok());
  // Nothing was stored and another node (or this one restarted) may take it: retryable.
  EXPECT_EQ(late.error().code, ErrorCode::kUnavailable);
}

TEST(Committer, CommitFailureFailsTheWholeBatch) {
  TempDir dir;
  auto storage = std::move(*SqliteStorage::open(dir.path()));
  testing::AcceptAllHooks hooks;
  Committer committer(*storage, hooks, Committer::Options{});
  ASSERT_TRUE(storage->close().ok());  // every storage call now fails
  auto r = submit_wait(committer, b("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kIo);
}

TEST(ThreadPool, RunsEverythingBeforeStop) {
  std::atomic<int> n{0};
  ThreadPool pool(3);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(pool.post([&] { ++n; }));
  pool.stop();
  EXPECT_EQ(n.load(), 1000);
  EXPECT_FALSE(pool.post([&] { ++n; }));
  pool.stop();  // idempotent
}

// A pool whose only thread is held until release(), so that the order in which the tasks queued
// meanwhile run does not depend on timing. record(name): a task that appends name to `order`.
struct HeldPool {
  explicit HeldPool(std::size_t max_queued = 0) : pool(1, max_queued) {
    EXPECT_TRUE(pool.post([this] {
      started.set_value();
      released.wait();
    }));
    started.get_future().wait();  // the thread is busy: everything queued now waits
  }
  ~HeldPool() { release(); }  // also when an assertion ended the test early
  HeldPool(const HeldPool&) = delete;
  HeldPool& operator=(const HeldPool&) = delete;

  std::function<void()> record(std::string what) {
    return [this, what] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(what);
    };
  }
  // Lets the thread go and runs every queued task (stop() drains the queue).
  void release() {
    if (!let_go) {
      let_go = true;
      go.set_value();
    }
    pool.stop();
  }

  std::promise<void> started, go;
  std::shared_future<void> released = go.get_future().share();
  bool let_go = false;
  std::mutex mu;
  std::vector<std::string> order;
  ThreadPool pool;  // last member: it is built after, and stopped before, what its tasks use
};

// Fair queueing: a flow with many queued tasks (one author's flood) delays another flow's task
// by one of its own, not by all of them; work already admitted (post) goes first.
TEST(ThreadPool, FlowsTakeTurnsAndAdmittedWorkGoesFirst) {
  HeldPool held(/*max_queued=*/60);
  ThreadPool& pool = held.pool;
  auto record = [&](std::string what) { return held.record(std::move(what)); };
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(pool.try_post("flood", record("flood " + std::to_string(i))),
              ThreadPool::Admission::kQueued);
  }
  ASSERT_EQ(pool.try_post("kiosk", record("kiosk")), ThreadPool::Admission::kQueued);
  ASSERT_EQ(pool.try_post("flood", record("flood 50")), ThreadPool::Admission::kQueued);
  ASSERT_EQ(pool.try_post(record("anonymous")), ThreadPool::Admission::kQueued);
  ASSERT_TRUE(pool.post(record("receipt")));
  EXPECT_EQ(pool.queued(), 54u);
  // The bound counts every flow and post() together.
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(pool.try_post("other " + std::to_string(i), record("other")),
              ThreadPool::Admission::kQueued);
  }
  EXPECT_EQ(pool.try_post("kiosk", record("refused")), ThreadPool::Admission::kFull);
  EXPECT_EQ(pool.queued(), 60u);
  held.release();
  const std::vector<std::string>& order = held.order;
  ASSERT_EQ(order.size(), 60u);
  // Admitted work first; then one task per flow in turn, in the order the flows arrived.
  std::vector<std::string> head(order.begin(), order.begin() + 10);
  EXPECT_EQ(head, (std::vector<std::string>{"receipt", "flood 0", "kiosk", "anonymous", "other",
                                            "other", "other", "other", "other", "other"}));
  EXPECT_EQ(order[10], "flood 1");
  EXPECT_EQ(order.back(), "flood 50");  // within a flow, FIFO
  EXPECT_EQ(std::count(order.begin(), order.end(), "refused"), 0);
}

// A reply (a receipt to build) does not wait behind admitted work queued before it: in cluster
// mode that is the proof checks of remote entries, milliseconds each on a busy node. Replies
// keep their own order.
TEST(ThreadPool, RepliesGoAheadOfAdmittedWork) {
  HeldPool held;
  ThreadPool& pool = held.pool;
  ASSERT_EQ(pool.try_post("kiosk", held.record("new entry")), ThreadPool::Admission::kQueued);
  ASSERT_TRUE(pool.post(held.record("proof check 1")));
  ASSERT_TRUE(pool.post(held.record("proof check 2")));
  ASSERT_TRUE(pool.post_reply(held.record("receipt 1")));
  ASSERT_TRUE(pool.post(held.record("proof check 3")));
  ASSERT_TRUE(pool.post_reply(held.record("receipt 2")));
  EXPECT_EQ(pool.queued(), 6u);
  held.release();
  EXPECT_EQ(held.order, (std::vector<std::string>{"receipt 1", "receipt 2", "proof check 1",
                                                  "proof check 2", "proof check 3", "new entry"}));
  EXPECT_FALSE(pool.post_reply(held.record("late")));  // stopped: refused, as post()
}

// The time tasks wait in the pool's queues, per queue, for GET /metrics: direct evidence of
// what a receipt waits behind (docs/cluster.md, "receipts").
TEST(ThreadPool, WaitsAreCountedPerQueue) {
  std::function<std::string()> render;
  {
    HeldPool held;
    ThreadPool& pool = held.pool;
    render = pool.render_waits();
    ASSERT_EQ(pool.try_post("kiosk", held.record("new entry")), ThreadPool::Admission::kQueued);
    ASSERT_TRUE(pool.post(held.record("proof check 1")));
    ASSERT_TRUE(pool.post(held.record("proof check 2")));
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.post_reply(held.record("receipt")));
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    held.release();
  }
  // Still renders after the pool is gone (Metrics keeps the function).
  const std::string text = render();
  auto value = [&](const std::string& series) -> double {
    auto at = text.find(series + " ");
    if (at == std::string::npos) {
      ADD_FAILURE() << "no " << series << " in:\n" << text;
      return -1;
    }
    return std::stod(text.substr(at + series.size() + 1));
  };
  const std::string name = "tabella_ledger_pool_wait_seconds";
  EXPECT_NE(text.find("# TYPE " + name + " histogram"), std::string::npos) << text;
  EXPECT_EQ(value(name + "_count{queue=\"reply\"}"), 3);
  EXPECT_EQ(value(name + "_count{queue=\"admitted\"}"), 3);  // the holding task included
  EXPECT_EQ(value(name + "_count{queue=\"new\"}"), 1);
  // Each receipt waited at least the 60 ms the thread was held, so none is in a bucket below it.
  EXPECT_GE(value(name + "_sum{queue=\"reply\"}"), 3 * 0.06);
  EXPECT_EQ(value(name + "_bucket{queue=\"reply\",le=\"0.05\"}"), 0);
  EXPECT_EQ(value(name + "_bucket{queue=\"reply\",le=\"+Inf\"}"), 3);
  EXPECT_GE(value(name + "_sum{queue=\"new\"}"), 0.06);
}

}  // namespace
}  // namespace tabella::server
