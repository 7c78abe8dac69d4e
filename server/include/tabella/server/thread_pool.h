// ThreadPool: a fixed set of std::threads running posted tasks in FIFO order. Used for
// expensive, independent work (proof and signature checks) so it runs neither on the HTTP I/O
// threads nor serialised inside the committer.
//
// Thread-safety: post() and stop() may be called from any thread. Tasks must not throw.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tabella::server {

class ThreadPool {
 public:
  // REQUIRES: threads >= 1
  explicit ThreadPool(std::size_t threads);
  ~ThreadPool();  // stop()
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues a task. Returns false (and drops the task) once stop() has begun.
  bool post(std::function<void()> task);

  // Runs every task already queued, then joins the threads. Idempotent.
  void stop();

  std::size_t size() const { return threads_.size(); }

 private:
  void run();

  std::mutex mu_;
  std::mutex join_mu_;  // serialises concurrent stop() calls
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tabella::server
