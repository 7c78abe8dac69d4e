#include "tabella/server/thread_pool.h"

#include <cassert>

namespace tabella::server {

ThreadPool::ThreadPool(std::size_t threads, std::size_t max_queued)
    : max_queued_(max_queued), thread_count_(threads) {
  assert(threads >= 1);
  MutexLock lock(join_mu_);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

ThreadPool::~ThreadPool() {
  stop();
}

bool ThreadPool::post(std::function<void()> task) {
  return queue_admitted(/*reply=*/false, std::move(task));
}

bool ThreadPool::post_reply(std::function<void()> task) {
  return queue_admitted(/*reply=*/true, std::move(task));
}

bool ThreadPool::queue_admitted(bool reply, std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (stopping_) return false;
    (reply ? replies_ : admitted_).push_back(std::move(task));
    ++queued_;
  }
  cv_.notify_one();
  return true;
}

ThreadPool::Admission ThreadPool::try_post(std::string flow, std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (stopping_) return Admission::kStopped;
    if (max_queued_ != 0 && queued_ >= max_queued_) return Admission::kFull;
    auto& queue = flows_[flow];
    if (queue.empty()) turns_.push_back(std::move(flow));
    queue.push_back(std::move(task));
    ++queued_;
  }
  cv_.notify_one();
  return Admission::kQueued;
}

std::size_t ThreadPool::queued() const {
  MutexLock lock(mu_);
  return queued_;
}

std::function<void()> ThreadPool::next() {
  std::function<void()> task;
  if (auto* queue = !replies_.empty() ? &replies_ : !admitted_.empty() ? &admitted_ : nullptr) {
    task = std::move(queue->front());
    queue->pop_front();
  } else if (!turns_.empty()) {
    // The flow whose turn it is gives one task, then goes to the back of the line if it has more.
    auto it = flows_.find(turns_.front());
    turns_.pop_front();
    task = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) {
      flows_.erase(it);
    } else {
      turns_.push_back(it->first);
    }
  }
  --queued_;  // called only with queued_ > 0: one of the branches took a task
  return task;
}

void ThreadPool::stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  MutexLock join_lock(join_mu_);
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void ThreadPool::run() {
  for (;;) {
    std::function<void()> task;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queued_ == 0) cv_.wait(mu_);
      if (queued_ == 0) return;  // stopping and drained
      task = next();
    }
    task();
  }
}

}  // namespace tabella::server
