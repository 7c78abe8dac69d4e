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
  {
    MutexLock lock(mu_);
    if (stopping_) return false;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

ThreadPool::Admission ThreadPool::try_post(std::function<void()> task) {
  {
    MutexLock lock(mu_);
    if (stopping_) return Admission::kStopped;
    if (max_queued_ != 0 && tasks_.size() >= max_queued_) return Admission::kFull;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return Admission::kQueued;
}

std::size_t ThreadPool::queued() const {
  MutexLock lock(mu_);
  return tasks_.size();
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
      while (!stopping_ && tasks_.empty()) cv_.wait(mu_);
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace tabella::server
