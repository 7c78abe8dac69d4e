// The ledger process: starts a LedgerNode (ledger_node.h: storage, election, pool, committer,
// HTTP server), prints "listening on <url>" (and the verifier key of an election ledger) on
// stdout, serves until SIGINT/SIGTERM, then shuts the node down in order. main.cpp calls it for
// `tabella-ledger`; `tabella-ledger witness` runs server/witness's run_witness instead.
//
// Thread-safety: call from main only.
#pragma once

#include "tabella/server/config.h"
#include "tabella/server/ledger_node.h"

namespace tabella::server {

// Returns the process exit code: 0 after a clean shutdown, 1 on a startup failure (reported on
// stderr as a log line) or when the storage did not close cleanly.
int run_ledger(const ServerConfig& config, const LedgerHooks& hooks);

}  // namespace tabella::server
