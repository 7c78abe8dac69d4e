#include "tabella/server/app.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include "tabella/server/election_ledger.h"
#include "tabella/server/http_server.h"
#include "tabella/server/log.h"
#include "tabella/server/sqlite_storage.h"
#include "tabella/server/web_board.h"

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

  auto sqlite = SqliteStorage::open(config.data_dir);
  if (!sqlite) return startup_failure(sqlite.error());
  std::unique_ptr<Storage> store = std::move(*sqlite);
  ClusterStorage cluster;
  if (hooks.cluster) {
    auto clustered = hooks.cluster(std::move(store));
    if (!clustered) return startup_failure(clustered.error());
    cluster = std::move(*clustered);
    store = std::move(cluster.storage);
  }
  Storage& storage = *store;
  auto size = storage.size();
  if (!size) return startup_failure(size.error());

  Metrics metrics;
  // The election ledger (when an origin is configured): replays the stored log first.
  std::unique_ptr<ElectionLedger> election;
  if (!config.origin.empty()) {
    auto authority = from_hex(config.authority_key);
    if (!authority || authority->size() != 32) {
      return startup_failure(Error{ErrorCode::kInvalidArgument,
                                   "must be 64 hex digits (an Ed25519 public key)",
                                   "authority-key"});
    }
    bool created = false;
    auto key = load_or_create_ledger_key(ledger_key_path(config), &created);
    if (!key) return startup_failure(key.error());
    LedgerIdentity id;
    id.origin = config.origin;
    std::copy(authority->begin(), authority->end(), id.authority.begin());
    id.key = *key;
    auto replay_start = std::chrono::steady_clock::now();
    auto opened = ElectionLedger::open(storage, std::move(id), &metrics,
                                       WitnessOptions{config.witnesses, config.cosign_wait});
    if (!opened) return startup_failure(opened.error());
    election = std::move(*opened);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - replay_start;
    log_event(LogLevel::kInfo, "ledger_key",
              {{"verifier_key", election->verifier_key()},
               {"file", ledger_key_path(config)},
               {"created", created ? "true" : "false"}});
    log_event(LogLevel::kInfo, "replayed",
              {{"entries", std::to_string(election->size())},
               {"seconds", std::to_string(took.count())},
               {"from_stored_state", election->resumed_from_stored_state() ? "true" : "false"}});
  }
  if (election && cluster.remote != nullptr) election->set_cluster_mode(true);
  ThreadPool pool(config.verify_threads ? config.verify_threads : cores, config.max_queue);
  Committer::Options committer_options;
  committer_options.remote = cluster.remote;
  committer_options.linger = config.commit_linger;
  std::unique_ptr<Committer> committer_owner =
      election ? std::make_unique<Committer>(storage, *election, committer_options, &metrics)
               : std::make_unique<Committer>(
                     storage, hooks.validator ? hooks.validator : Validator(accept_all),
                     committer_options, &metrics);
  Committer& committer = *committer_owner;
  // Started on a full disk: reads are served, appends refused until space is back.
  if (election && election->disk_full_at_open()) {
    committer.report_disk_full(*election->disk_full_at_open());
  }
  // Cluster mode: catch up now and whenever the cluster log grows.
  if (cluster.set_listener) cluster.set_listener([&committer] { committer.wake(); });
  if (cluster.remote != nullptr) committer.wake();
  auto unlisten = [&] {
    if (cluster.set_listener) cluster.set_listener({});
  };
  Router router;
  LedgerApi api{storage, committer, pool, metrics, hooks.pre_verify};
  api.entry_routes = !election;
  register_ledger_api(router, api);
  if (election) election->register_routes(router, committer, pool);
  if (election) register_web_board(router);  // the public pages over the routes above
  if (hooks.add_routes) hooks.add_routes(router, storage);
  if (election && hooks.add_election_routes) {
    Status added = hooks.add_election_routes(router, *election);
    if (!added.ok()) {
      pool.stop();
      unlisten();
      committer.stop();
      (void)storage.close();
      return startup_failure(added.error());
    }
  }

  // The checkpoint timer: GET /checkpoint advances at most once per interval.
  std::mutex timer_mu;
  std::condition_variable timer_cv;
  bool timer_stop = false;
  std::thread timer;
  if (election) {
    timer = std::thread([&] {
      std::unique_lock<std::mutex> lock(timer_mu);
      while (!timer_cv.wait_for(lock, config.checkpoint_interval, [&] { return timer_stop; })) {
        lock.unlock();
        Status st = election->publish_checkpoint();
        if (!st.ok()) {
          log_event(LogLevel::kError, "checkpoint_failed", {{"message", st.error().describe()}});
        }
        lock.lock();
      }
    });
  }
  auto stop_timer = [&] {
    {
      std::lock_guard<std::mutex> lock(timer_mu);
      timer_stop = true;
    }
    timer_cv.notify_all();
    if (timer.joinable()) timer.join();
  };

  HttpServerOptions http;
  http.host = listen->host;
  http.port = listen->port;
  http.threads = config.threads ? config.threads : std::max<std::size_t>(2, cores);
  http.limits.body_limit = config.body_limit;
  http.max_connections = config.max_connections;
  http.max_connections_per_peer = config.max_connections_per_peer;
  http.max_streams = config.max_exports;
  http.header_timeout = config.header_timeout;
  http.write_timeout = config.response_timeout;
  http.refusal_pause = config.refusal_pause;
  http.tls_cert_file = config.tls_cert;
  http.tls_key_file = config.tls_key;
  http.handle_signals = true;
  HttpServer server(http, router, &metrics);
  Status started = server.start();
  if (!started.ok()) {
    stop_timer();
    pool.stop();
    unlisten();
    committer.stop();
    (void)storage.close();
    return startup_failure(started.error());
  }
  log_event(LogLevel::kInfo, "started",
            {{"url", server.url()},
             {"data_dir", config.data_dir},
             {"entries", std::to_string(*size)},
             {"io_threads", std::to_string(http.threads)},
             {"verify_threads", std::to_string(pool.size())},
             {"max_queue", std::to_string(pool.max_queued())},
             {"max_connections", std::to_string(server.max_connections())}});
  std::printf("listening on %s\n", server.url().c_str());
  if (election) std::printf("verifier key %s\n", election->verifier_key().c_str());
  std::fflush(stdout);

  std::string reason = server.wait_for_signal();
  log_event(LogLevel::kInfo, "stopping", {{"reason", reason}});
  server.stop();  // in-flight requests answered, so their appends are already durable
  pool.stop();    // nothing left to verify (no request is in flight)
  unlisten();
  committer.stop();  // commits anything still queued
  stop_timer();
  if (election) {
    Status st = election->publish_checkpoint();  // the final size is published
    if (!st.ok()) {
      log_event(LogLevel::kError, "checkpoint_failed", {{"message", st.error().describe()}});
    }
  }
  Status closed = storage.close();
  if (!closed.ok()) {
    log_event(LogLevel::kError, "close_failed", {{"message", closed.error().describe()}});
    return 1;
  }
  log_event(LogLevel::kInfo, "stopped", {{"entries", std::to_string(metrics.entries_appended())}});
  return 0;
}

}  // namespace tabella::server
