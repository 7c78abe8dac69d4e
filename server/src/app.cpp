#include "tabella/server/app.h"

#include <cstdio>

#include "tabella/server/log.h"

namespace tabella::server {

namespace {
int startup_failure(const Error& error) {
  log_event(LogLevel::kError, "startup_failed",
            {{"error", error_code_name(error.code)}, {"message", error.describe()}});
  return 1;
}
}  // namespace

int run_ledger(const ServerConfig& config, const LedgerHooks& hooks) {
  auto http = http_server_options(config);
  if (!http) return startup_failure(http.error());
  http->handle_signals = true;
  auto node = LedgerNode::start(config, hooks, std::move(*http));
  if (!node) return startup_failure(node.error());
  std::printf("listening on %s\n", (*node)->url().c_str());
  if ((*node)->election() != nullptr) {
    std::printf("verifier key %s\n", (*node)->election()->verifier_key().c_str());
  }
  std::fflush(stdout);

  std::string reason = (*node)->wait_for_signal();
  log_event(LogLevel::kInfo, "stopping", {{"reason", reason}});
  return (*node)->stop().ok() ? 0 : 1;
}

}  // namespace tabella::server
