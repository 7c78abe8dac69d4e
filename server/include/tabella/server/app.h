// The ledger process: opens storage, starts the pre-verification pool, the committer and the
// HTTP server, prints "listening on <url>" on stdout, serves until SIGINT/SIGTERM, then shuts
// down in order (HTTP drained -> pool -> committer -> storage closed). main.cpp calls it for
// `tabella-ledger`; `tabella-ledger witness` runs server/witness's run_witness instead.
//
// Thread-safety: call from main only.
#pragma once

#include <functional>
#include <memory>

#include "tabella/server/committer.h"
#include "tabella/server/config.h"
#include "tabella/server/election_ledger.h"
#include "tabella/server/ledger_api.h"
#include "tabella/server/router.h"

namespace tabella::server {

// Cluster mode (docs/cluster.md): the clustered storage built over this node's local copy.
struct ClusterStorage {
  std::unique_ptr<Storage> storage;  // what the ledger reads and appends through
  RemoteLog* remote = nullptr;       // its cluster side, kept alive by `owner`
  std::shared_ptr<void> owner;
  // Registers the callback the storage calls when the cluster log grew (empty: unregister).
  std::function<void(std::function<void()>)> set_listener;
};

// How the record layer plugs in without the server knowing what an entry means.
struct LedgerHooks {
  // Cluster mode when set: wraps the local SQLite copy (main.cpp: EtcdStorage).
  std::function<Result<ClusterStorage>(std::unique_ptr<Storage> local)> cluster;
  Validator validator = accept_all;  // in the committer, in order, sees earlier batch entries
  PreVerifier pre_verify;            // on the pool, before the committer
  // Extra routes (record-specific endpoints); called once before serving.
  std::function<void(Router&, Storage&)> add_routes;
  // Routes that need the election ledger (the node's own witness); called once before serving
  // when the ledger runs an election. An error stops the start-up.
  std::function<Status(Router&, ElectionLedger&)> add_election_routes;
};

// Returns the process exit code: 0 after a clean shutdown, 1 on a startup failure (reported on
// stderr as a log line).
int run_ledger(const ServerConfig& config, const LedgerHooks& hooks);

}  // namespace tabella::server
