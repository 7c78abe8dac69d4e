// The dispatcher's thread frees its OpenSSL state before QThread::wait() returns.
//
// A QThread is detached: wait() returns when run() is over, while the operating-system thread
// still has its thread-exit hooks to run, OpenSSL's among them (it frees the thread's error
// queue and random generators there). A kiosk that exits right after wait() can run OpenSSL's
// cleanup, which deletes that hook, first: the state is never freed, and LeakSanitizer failed
// e2e_kiosk once in CI with "Direct leak of 904 byte(s)" from CRYPTO_zalloc (the error queue).
//
// The test counts what OpenSSL allocates on the thread (CRYPTO_set_mem_functions, installed
// before OpenSSL's first allocation: this program's own main()) and what is still allocated
// when wait() returns. To make the window deterministic, a thread-exit hook created before
// OpenSSL's (so glibc runs it first) holds the exiting thread for a while; a plain QThread
// serves as the control that shows the check catches the leak window.
#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <QCoreApplication>
#include <QThread>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "core/dispatcher.h"

namespace {

thread_local bool tracked_thread = false;
std::mutex live_mutex;
// OpenSSL allocations made on a tracked thread, not yet freed (addresses as integers: a freed
// pointer's value is not used).
std::set<std::uintptr_t> live;

void note_alloc(void* p) {
  if (p == nullptr || !tracked_thread) return;
  std::lock_guard lock(live_mutex);
  live.insert(reinterpret_cast<std::uintptr_t>(p));
}
void note_free(std::uintptr_t p) {
  if (p == 0) return;
  std::lock_guard lock(live_mutex);
  live.erase(p);
}
void* counting_malloc(std::size_t n, const char*, int) {
  void* p = std::malloc(n);
  note_alloc(p);
  return p;
}
void* counting_realloc(void* old, std::size_t n, const char*, int) {
  const auto before = reinterpret_cast<std::uintptr_t>(old);
  void* p = std::realloc(old, n);
  if (p != nullptr || n == 0) {
    note_free(before);
    note_alloc(p);
  }
  return p;
}
void counting_free(void* p, const char*, int) {
  note_free(reinterpret_cast<std::uintptr_t>(p));
  std::free(p);
}
std::size_t live_count() {
  std::lock_guard lock(live_mutex);
  return live.size();
}

// Created in main() before OpenSSL makes its own key: glibc calls this destructor first.
pthread_key_t slow_exit_key;
void slow_exit(void*) {
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
}

// What a dispatcher thread does with OpenSSL: a random draw (per-thread generators) and an
// error that is raised and cleared (the thread's error queue).
void use_openssl_on_this_thread() {
  unsigned char buf[32];
  ASSERT_EQ(RAND_priv_bytes(buf, sizeof buf), 1);
  ERR_raise(ERR_LIB_USER, ERR_R_PASSED_INVALID_ARGUMENT);
  ERR_clear_error();
}

// Runs use_openssl_on_this_thread() on `thread`, stops it, waits, and returns how many of the
// thread's OpenSSL allocations were still live when wait() returned.
std::size_t live_after_wait(QThread& thread) {
  QObject worker;
  worker.moveToThread(&thread);
  thread.start();
  bool ran = false;
  QMetaObject::invokeMethod(
      &worker,
      [&] {
        tracked_thread = true;
        pthread_setspecific(slow_exit_key, &slow_exit_key);
        use_openssl_on_this_thread();
        ran = true;
        worker.moveToThread(nullptr);
      },
      Qt::BlockingQueuedConnection);
  EXPECT_TRUE(ran);
  thread.quit();
  EXPECT_TRUE(thread.wait());
  return live_count();
}

TEST(DispatcherThread, FreesItsOpenSslStateBeforeWaitReturns) {
  tabella::kiosk::DispatcherThread thread;
  EXPECT_EQ(live_after_wait(thread), 0u)
      << "OpenSSL allocations of the dispatcher's thread outlived QThread::wait()";
}

// The control: a plain QThread leaves its OpenSSL state to the thread-exit hook, still pending
// when wait() returns. If this stops holding, the test above proves nothing.
TEST(DispatcherThread, APlainQThreadStillHoldsItsStateWhenWaitReturns) {
  QThread thread;
  EXPECT_GT(live_after_wait(thread), 0u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the hooks run meanwhile
  EXPECT_EQ(live_count(), 0u) << "the thread-exit hook did not free the state either";
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything allocates through OpenSSL; CRYPTO_set_mem_functions refuses afterwards.
  if (CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) != 1) {
    std::fputs("CRYPTO_set_mem_functions refused: OpenSSL allocated before main()\n", stderr);
    return 2;
  }
  if (pthread_key_create(&slow_exit_key, slow_exit) != 0) return 2;
  // OpenSSL's process-wide state (the primary generator, its error strings) is made here, on
  // an untracked thread, so that only per-thread state is counted on the tracked ones.
  use_openssl_on_this_thread();
  QCoreApplication app(argc, argv);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
