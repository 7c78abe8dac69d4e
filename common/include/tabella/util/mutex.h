// Mutex, MutexLock, CondVar: std::mutex and std::condition_variable with clang's thread-safety
// annotations, so that `-Wthread-safety` checks at compile time that a member marked
// TABELLA_GUARDED_BY(mu_) is only read or written with mu_ held, and that a function marked
// TABELLA_REQUIRES(mu_) is only called with it held. (libstdc++'s std::mutex carries no
// annotations, so the analysis cannot see it.) Other compilers ignore the macros.
//
//   class Queue {
//     Mutex mu_;
//     CondVar cv_;
//     std::deque<int> items_ TABELLA_GUARDED_BY(mu_);
//    public:
//     int pop() {
//       MutexLock lock(mu_);
//       while (items_.empty()) cv_.wait(mu_);
//       ...
//
// A CondVar waits with a plain loop around wait(mu) rather than with a predicate lambda: the
// analysis does not know that a lambda runs with the lock held.
//
// SharedMutex is std::shared_mutex: WriterMutexLock holds it exclusively (a member marked
// TABELLA_GUARDED_BY(mu) may be written), ReaderMutexLock holds it shared (it may only be read).
// Thread-safety: Mutex and CondVar are what makes other state thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define TABELLA_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define TABELLA_THREAD_ANNOTATION(x)
#endif

#define TABELLA_CAPABILITY(x) TABELLA_THREAD_ANNOTATION(capability(x))
#define TABELLA_SCOPED_CAPABILITY TABELLA_THREAD_ANNOTATION(scoped_lockable)
#define TABELLA_GUARDED_BY(x) TABELLA_THREAD_ANNOTATION(guarded_by(x))
#define TABELLA_PT_GUARDED_BY(x) TABELLA_THREAD_ANNOTATION(pt_guarded_by(x))
#define TABELLA_ACQUIRED_BEFORE(...) TABELLA_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#define TABELLA_REQUIRES(...) TABELLA_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define TABELLA_EXCLUDES(...) TABELLA_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define TABELLA_ACQUIRE(...) TABELLA_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define TABELLA_RELEASE(...) TABELLA_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define TABELLA_ACQUIRE_SHARED(...) \
  TABELLA_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define TABELLA_RELEASE_SHARED(...) \
  TABELLA_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define TABELLA_REQUIRES_SHARED(...) \
  TABELLA_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#define TABELLA_NO_THREAD_SAFETY_ANALYSIS TABELLA_THREAD_ANNOTATION(no_thread_safety_analysis)

namespace tabella {

class TABELLA_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() TABELLA_ACQUIRE() { mu_.lock(); }
  void unlock() TABELLA_RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope.
class TABELLA_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) TABELLA_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() TABELLA_RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// A reader/writer lock: many readers or one writer.
class TABELLA_CAPABILITY("mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void lock() TABELLA_ACQUIRE() { mu_.lock(); }
  void unlock() TABELLA_RELEASE() { mu_.unlock(); }
  void lock_shared() TABELLA_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() TABELLA_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

// Holds a SharedMutex exclusively for its scope.
class TABELLA_SCOPED_CAPABILITY WriterMutexLock {
 public:
  explicit WriterMutexLock(SharedMutex& mu) TABELLA_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~WriterMutexLock() TABELLA_RELEASE() { mu_.unlock(); }
  WriterMutexLock(const WriterMutexLock&) = delete;
  WriterMutexLock& operator=(const WriterMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

// Holds a SharedMutex shared for its scope.
class TABELLA_SCOPED_CAPABILITY ReaderMutexLock {
 public:
  explicit ReaderMutexLock(SharedMutex& mu) TABELLA_ACQUIRE_SHARED(mu) : mu_(mu) {
    mu_.lock_shared();
  }
  ~ReaderMutexLock() TABELLA_RELEASE() { mu_.unlock_shared(); }
  ReaderMutexLock(const ReaderMutexLock&) = delete;
  ReaderMutexLock& operator=(const ReaderMutexLock&) = delete;

 private:
  SharedMutex& mu_;
};

class CondVar {
 public:
  // Releases mu while waiting and holds it again on return (also on a spurious wake-up).
  void wait(Mutex& mu) TABELLA_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // As wait(); returns false if the deadline passed.
  template <class Clock, class Duration>
  bool wait_until(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline)
      TABELLA_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    const bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  template <class Rep, class Period>
  bool wait_for(Mutex& mu, const std::chrono::duration<Rep, Period>& d) TABELLA_REQUIRES(mu) {
    return wait_until(mu, std::chrono::steady_clock::now() + d);
  }
  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace tabella
