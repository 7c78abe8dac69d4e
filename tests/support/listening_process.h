// For GoogleTest tests: a testing::Process (process.h) started and waited for until it prints
// "listening on http://host:port" (a real tabella-ledger, a witness); a test failure, with the
// program's output, if it does not. Killed at once (SIGKILL) when destroyed: a test that checks
// a clean shutdown calls stop() or signal_and_wait(SIGTERM) itself.
// Thread-safety: owned by one test.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "support/process.h"

namespace tabella::testing {

class ListeningProcess : public Process {
 public:
  explicit ListeningProcess(std::vector<std::string> args, Options options = kill_at_end())
      : Process(std::move(args), std::move(options)) {
    auto port = wait_listening();
    EXPECT_TRUE(port.ok()) << port.error().describe();
  }

  static Options kill_at_end() {
    Options o;
    o.stop_grace = std::chrono::milliseconds(0);
    return o;
  }
};

}  // namespace tabella::testing
