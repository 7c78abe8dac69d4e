// LedgerNode: one ledger process worth of parts, wired once. `tabella-ledger` (app.cpp's
// run_ledger) runs one; the in-process integration tests run the same one on 127.0.0.1:0.
//
// What it owns, in start-up order: the storage (SQLite at config.data_dir, optionally wrapped by
// hooks.cluster: the clustered storage, or a test's faulty one), the metrics, the election ledger
// (config.origin and config.authority_key: the key file loaded or created, the stored log
// replayed), the pre-verification pool, the committer, the router with every route (/healthz and
// /metrics, the election's routes and the web board, the hooks' routes), the checkpoint timer,
// and the HTTP server (listening when start() returns). The server's own infrastructure tests
// run it without an election, with an accept-all record layer in hooks.record
// (tests/support/accept_all_ledger.h) and its routes in hooks.add_routes.
//
// Shutdown is the destructor (or stop(), which reports how the storage closed): stop accepting
// and answer the requests in flight (their appends are durable once answered), stop the pool
// (nothing is left to verify), unregister the cluster listener, stop the committer (commits what
// is still queued), stop the checkpoint timer, publish the final checkpoint, close the storage.
// The cosigner is owned by the election ledger and stops with it, after the storage closed.
//
// Thread-safety: start(), stop() and the destructor from one thread (main, or the test);
// wait_for_signal() blocks that thread; request_stop() and the accessors' objects (storage,
// metrics, pool, committer, election: each documents its own rules) from any thread while the
// node runs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tabella/server/append_forwarder.h"
#include "tabella/server/committer.h"
#include "tabella/server/config.h"
#include "tabella/server/election_ledger.h"
#include "tabella/server/http_server.h"
#include "tabella/server/ledger_api.h"
#include "tabella/server/metrics.h"
#include "tabella/server/router.h"
#include "tabella/server/storage.h"
#include "tabella/server/thread_pool.h"
#include "tabella/util/mutex.h"

namespace tabella::server {

// Cluster mode (docs/cluster.md): the clustered storage built over this node's local copy.
struct ClusterStorage {
  std::unique_ptr<Storage> storage;  // what the ledger reads and appends through
  RemoteLog* remote = nullptr;       // its cluster side (may be null), kept alive by `owner`
  std::shared_ptr<void> owner;
  // Registers the callback the storage calls when the cluster log grew (empty: unregister).
  std::function<void(std::function<void()>)> set_listener;
  // Prometheus text about the cluster side, appended to GET /metrics (may be empty).
  std::function<std::string()> metrics;
  // The nodes' one cosigning path (cosign_share.h), handed to the cosigner (may be null).
  std::shared_ptr<CosignShare> cosign;
};

class LedgerNode;

// What a caller adds to the node: the clustered (or a test's faulty) storage, routes, and for
// the server's infrastructure tests a record layer in place of the election ledger.
struct LedgerHooks {
  // Wraps the local SQLite copy when set: cluster mode (main.cpp: EtcdStorage), or a test's
  // faulty storage. With a `remote` the election ledger runs in cluster mode.
  std::function<Result<ClusterStorage>(std::unique_ptr<Storage> local)> cluster;
  // Tests only: the committer's hooks when config.origin is empty (no election ledger, no
  // checkpoints, no record endpoints: add_routes supplies the entry routes). Must outlive the
  // node. Without it an empty config.origin is refused.
  BatchHooks* record = nullptr;
  // Extra routes; called once before serving, with the node's parts wired.
  std::function<void(Router&, LedgerNode&)> add_routes;
  // Routes that need the election ledger (the node's own witness); called once before serving
  // when the ledger runs an election. An error stops the start-up.
  std::function<Status(Router&, ElectionLedger&)> add_election_routes;
};

// The HTTP server's options from the ledger's settings (listen address, threads, limits,
// timeouts, TLS); signals are not handled. Errors: a bad config.listen (field "listen").
Result<HttpServerOptions> http_server_options(const ServerConfig& config);

class LedgerNode {
 public:
  // Opens, replays, wires and starts serving with http_server_options(config).
  // Errors: what failed first (storage, key file, replay, a hook, bind/TLS); whatever had
  // started is stopped again and the storage closed.
  static Result<std::unique_ptr<LedgerNode>> start(const ServerConfig& config,
                                                   const LedgerHooks& hooks);
  // The same with the HTTP server's options given (handle_signals for the process; tests
  // narrow limits and timeouts).
  static Result<std::unique_ptr<LedgerNode>> start(const ServerConfig& config,
                                                   const LedgerHooks& hooks,
                                                   HttpServerOptions http);
  ~LedgerNode();  // stop()
  LedgerNode(const LedgerNode&) = delete;
  LedgerNode& operator=(const LedgerNode&) = delete;

  // The orderly shutdown (see above); later calls do nothing and return success. Returns the
  // storage's close status (logged as close_failed).
  Status stop();

  // Blocks until SIGINT/SIGTERM (with http.handle_signals) or request_stop(); the reason.
  std::string wait_for_signal();
  void request_stop();

  std::uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:<port>" (https with TLS)

  Storage& storage();
  Metrics& metrics();
  ThreadPool& pool();
  Committer& committer();
  HttpServer& http_server();
  ElectionLedger* election();  // null only for a test's hooks.record

 private:
  LedgerNode() = default;
  Status wire(const ServerConfig& config, const LedgerHooks& hooks, HttpServerOptions http);
  void stop_timer();

  std::unique_ptr<Storage> storage_;
  ClusterStorage cluster_;  // storage moved out; remote, owner and listener kept
  Metrics metrics_;
  std::unique_ptr<ElectionLedger> election_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<Committer> committer_;
  std::unique_ptr<AppendForwarder> forwarder_;  // --cluster-appender
  Router router_;
  Mutex timer_mu_;
  CondVar timer_cv_;
  bool timer_stop_ TABELLA_GUARDED_BY(timer_mu_) = false;
  std::thread timer_;
  std::unique_ptr<HttpServer> server_;
  bool stopped_ = false;
};

}  // namespace tabella::server
