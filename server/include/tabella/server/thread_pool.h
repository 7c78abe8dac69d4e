// ThreadPool: a fixed set of std::threads running posted tasks. Used for expensive, independent
// work (proof and signature checks) so it runs neither on the HTTP I/O threads nor serialised
// inside the committer.
//
// Admission: try_post() refuses new work once max_queued tasks wait (the caller answers 503 with
// Retry-After instead of queueing without bound); post() and post_reply() always queue and are
// for work already admitted (a committed remote entry's proof check; a receipt to build).
//
// Order: replies (post_reply) run first, then work already admitted (post), each in FIFO order:
// both finish requests whose entries are stored, and a reply is short while admitted work can
// be long (a remote entry's proof check, milliseconds). New work (try_post) is queued per flow
// (the election ledger's flow is the entry's author key) and the flows take turns, one task
// each, in the order they became non-empty; within a flow, FIFO. One flow with many queued tasks
// therefore delays another flow's next task by at most one of its own, not by all of them (fair
// queueing; docs/api.md, "Order of checks").
//
// Waits: the time each task spent queued before a thread took it is kept per queue ("reply",
// "admitted", "new") and rendered as tabella_ledger_pool_wait_seconds (render_waits()).
//
// Thread-safety: post(), post_reply(), stop() and render_waits() may be called from any thread.
// Tasks must not throw.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tabella/server/metrics.h"
#include "tabella/util/mutex.h"

namespace tabella::server {

class ThreadPool {
 public:
  // REQUIRES: threads >= 1. max_queued 0: try_post() never refuses for fullness.
  explicit ThreadPool(std::size_t threads, std::size_t max_queued = 0);
  ~ThreadPool();  // stop()
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues a task. Returns false (and drops the task) once stop() has begun.
  bool post(std::function<void()> task);
  // The same, ahead of every task post() queued: a short task that answers a client (a receipt
  // to build), which must not wait behind proof checks posted before it.
  bool post_reply(std::function<void()> task);

  enum class Admission { kQueued, kFull, kStopped };
  // Queues a task in `flow` unless max_queued tasks (of all flows, post() and post_reply()
  // together) already wait (kFull) or stop() has begun (kStopped); the task is dropped unless
  // kQueued.
  Admission try_post(std::string flow, std::function<void()> task);
  // The same in the flow "" (callers that have no notion of who sent the work).
  Admission try_post(std::function<void()> task) { return try_post({}, std::move(task)); }

  // Tasks waiting (not yet running).
  std::size_t queued() const;
  std::size_t max_queued() const { return max_queued_; }

  // Runs every task already queued, then joins the threads. Idempotent.
  void stop();

  std::size_t size() const { return thread_count_; }

  // The waits so far, one histogram per queue, in Prometheus text (for Metrics::add_source). The
  // function stays valid after the pool is gone.
  std::function<std::string()> render_waits() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Task {
    std::function<void()> run;
    Clock::time_point queued_at;
  };
  enum Queue : std::size_t { kReply, kAdmitted, kNew, kQueues };
  struct Waits {
    Waits();
    Histogram by_queue[kQueues];
  };

  void run();
  bool queue_admitted(bool reply, std::function<void()> task);  // post() and post_reply()
  // The next task to run (replies, then admitted work, then the next flow's turn) and the queue
  // it came from. REQUIRES: queued_ > 0.
  std::pair<Task, Queue> next() TABELLA_REQUIRES(mu_);

  const std::size_t max_queued_;
  const std::size_t thread_count_;
  mutable Mutex mu_;
  CondVar cv_;
  const std::shared_ptr<Waits> waits_ = std::make_shared<Waits>();
  std::deque<Task> replies_ TABELLA_GUARDED_BY(mu_);   // post_reply()
  std::deque<Task> admitted_ TABELLA_GUARDED_BY(mu_);  // post()
  std::map<std::string, std::deque<Task>> flows_ TABELLA_GUARDED_BY(mu_);
  std::deque<std::string> turns_ TABELLA_GUARDED_BY(mu_);  // the non-empty flows, next first
  std::size_t queued_ TABELLA_GUARDED_BY(mu_) = 0;  // tasks in replies_, admitted_ and flows_
  bool stopping_ TABELLA_GUARDED_BY(mu_) = false;
  Mutex join_mu_;  // serialises concurrent stop() calls
  std::vector<std::thread> threads_ TABELLA_GUARDED_BY(join_mu_);
};

}  // namespace tabella::server
