#include "tabella/client/cli_support.h"

#include <cstdio>
#include <iostream>
#include <thread>

namespace tabella::client {

int report_error(std::string_view program, const Error& error, bool json) {
  if (json) {
    print_json({{"ok", false},
                {"error", error_code_name(error.code)},
                {"message", error.message},
                {"field", error.field}});
  } else {
    std::cerr << program << ": error: " << error.describe() << "\n";
  }
  return kExitFailure;
}

void print_json(const nlohmann::json& doc) {
  std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

Status wait_for(std::string_view what, std::chrono::seconds timeout,
                std::chrono::milliseconds interval, const std::function<Result<PollState>()>& poll,
                std::ostream& out) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now();
  std::string last;
  for (;;) {
    auto state = poll();
    if (!state) return state.error();
    auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start);
    if (state->progress != last && !state->progress.empty()) {
      out << "  [" << elapsed.count() << "s] " << state->progress << "\n" << std::flush;
      last = state->progress;
    }
    if (state->done) return {};
    if (Clock::now() - start >= timeout) {
      return make_error(ErrorCode::kConflict, std::string(what) + ": gave up after " +
                                                  std::to_string(timeout.count()) + "s; " + last);
    }
    std::this_thread::sleep_for(interval);
  }
}

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace tabella::client
