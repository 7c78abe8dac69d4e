// Waiting for something another process or thread does, in tests: polls `pred` until it holds or
// `within` has passed. The margins are wide because the suite runs on a loaded 2-core machine;
// a test that needs a tighter bound is a benchmark, not a test.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace tabella::testing {

// True as soon as pred() is true; false if it is still false after `within` (checked once more
// at the end). Polls every `every`.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds within = std::chrono::seconds(20),
                       std::chrono::milliseconds every = std::chrono::milliseconds(10)) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(every);
  }
  return pred();
}

}  // namespace tabella::testing
