#include "tabella/server/thread_pool.h"

#include <cassert>
#include <utility>

namespace tabella::server {

ThreadPool::ThreadPool(std::size_t threads, std::size_t max_queued)
    : max_queued_(max_queued), thread_count_(threads) {
  assert(threads >= 1);
  MutexLock lock(join_mu_);
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

namespace {
// From a reply's few tens of microseconds to a proof check queued behind a full queue.
std::vector<double> wait_bounds() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
}
}  // namespace

ThreadPool::Waits::Waits()
    : by_queue{Histogram(wait_bounds()), Histogram(wait_bounds()), Histogram(wait_bounds())} {}

std::function<std::string()> ThreadPool::render_waits() const {
  return [waits = waits_] {
    std::string out =
        "# HELP tabella_ledger_pool_wait_seconds Time a task waited in the verification pool's "
        "queue before a thread took it, by queue (reply: a receipt to build; admitted: a remote "
        "entry's proof check or other stored work; new: a submitted entry's checks)\n"
        "# TYPE tabella_ledger_pool_wait_seconds histogram\n";
    constexpr const char* kLabels[kQueues] = {"queue=\"reply\",", "queue=\"admitted\",",
                                              "queue=\"new\","};
    for (std::size_t q = 0; q < kQueues; ++q) {
      waits->by_queue[q].render(out, "tabella_ledger_pool_wait_seconds", kLabels[q]);
    }
    return out;
  };
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
    (reply ? replies_ : admitted_).push_back(Task{std::move(task), Clock::now()});
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
    queue.push_back(Task{std::move(task), Clock::now()});
    ++queued_;
  }
  cv_.notify_one();
  return Admission::kQueued;
}

std::size_t ThreadPool::queued() const {
  MutexLock lock(mu_);
  return queued_;
}

std::pair<ThreadPool::Task, ThreadPool::Queue> ThreadPool::next() {
  Task task;
  Queue from = kNew;
  if (auto* queue = !replies_.empty() ? &replies_ : !admitted_.empty() ? &admitted_ : nullptr) {
    from = queue == &replies_ ? kReply : kAdmitted;
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
  return {std::move(task), from};
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
    std::pair<Task, Queue> taken;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queued_ == 0) cv_.wait(mu_);
      if (queued_ == 0) return;  // stopping and drained
      taken = next();
    }
    auto& [task, from] = taken;
    waits_->by_queue[from].observe(
        std::chrono::duration<double>(Clock::now() - task.queued_at).count());
    task.run();
  }
}

}  // namespace tabella::server
