#include "tabella/server/app.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "tabella/server/http_server.h"
#include "tabella/server/log.h"
#include "tabella/server/sqlite_storage.h"

namespace tabella::server {

namespace {
int startup_failure(const Error& error) {
  log_event(LogLevel::kError, "startup_failed",
            {{"error", error_code_name(error.code)}, {"message", error.describe()}});
  return 1;
}
}  // namespace

int run_ledger(const ServerConfig& config, const LedgerHooks& hooks) {
  auto listen = parse_listen(config.listen);
  if (!listen) return startup_failure(listen.error());
  std::size_t cores = std::max(1u, std::thread::hardware_concurrency());

  auto storage = SqliteStorage::open(config.data_dir);
  if (!storage) return startup_failure(storage.error());
  auto size = (*storage)->size();
  if (!size) return startup_failure(size.error());

  Metrics metrics;
  ThreadPool pool(config.verify_threads ? config.verify_threads : cores);
  Committer committer(**storage, hooks.validator ? hooks.validator : Validator(accept_all),
                      Committer::Options{}, &metrics);
  Router router;
  register_ledger_api(router, LedgerApi{**storage, committer, pool, metrics, hooks.pre_verify});
  if (hooks.add_routes) hooks.add_routes(router, **storage);

  HttpServerOptions http;
  http.host = listen->host;
  http.port = listen->port;
  http.threads = config.threads ? config.threads : std::max<std::size_t>(2, cores);
  http.limits.body_limit = config.body_limit;
  http.tls_cert_file = config.tls_cert;
  http.tls_key_file = config.tls_key;
  http.handle_signals = true;
  HttpServer server(http, router, &metrics);
  Status started = server.start();
  if (!started.ok()) {
    pool.stop();
    committer.stop();
    (void)(*storage)->close();
    return startup_failure(started.error());
  }
  log_event(LogLevel::kInfo, "started",
            {{"url", server.url()},
             {"data_dir", config.data_dir},
             {"entries", std::to_string(*size)},
             {"io_threads", std::to_string(http.threads)},
             {"verify_threads", std::to_string(pool.size())}});
  std::printf("listening on %s\n", server.url().c_str());
  std::fflush(stdout);

  std::string reason = server.wait_for_signal();
  log_event(LogLevel::kInfo, "stopping", {{"reason", reason}});
  server.stop();     // in-flight requests answered, so their appends are already durable
  pool.stop();       // nothing left to verify (no request is in flight)
  committer.stop();  // commits anything still queued
  Status closed = (*storage)->close();
  if (!closed.ok()) {
    log_event(LogLevel::kError, "close_failed", {{"message", closed.error().describe()}});
    return 1;
  }
  log_event(LogLevel::kInfo, "stopped", {{"entries", std::to_string(metrics.entries_appended())}});
  return 0;
}

}  // namespace tabella::server
