// CPU time for the benchmark tools (tests/bench, tests/tools/loadgen): seconds of a POSIX CPU
// clock, the process's by default or the calling thread's with CLOCK_THREAD_CPUTIME_ID. The ledger
// has its own reader for its stage counters (server/src/metrics.cpp).
#pragma once

#include <time.h>

namespace tabella::testing {

inline double cpu_seconds(clockid_t clock = CLOCK_PROCESS_CPUTIME_ID) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace tabella::testing
