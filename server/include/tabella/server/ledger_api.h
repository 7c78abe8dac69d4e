// The ledger's process endpoints, independent of the election (docs/api.md): GET /healthz
// (serving; "writable": false while the disk is full; 503 "halted" once the committer halted)
// and GET /metrics (Prometheus text). The
// record endpoints are the election ledger's (election_ledger.h).
//
// Thread-safety: handlers run on I/O threads; the committer and metrics must outlive the
// Router's use.
#pragma once

#include "tabella/server/committer.h"
#include "tabella/server/metrics.h"
#include "tabella/server/router.h"

namespace tabella::server {

struct LedgerApi {
  Committer& committer;
  Metrics& metrics;
};

void register_ledger_api(Router& router, const LedgerApi& api);

}  // namespace tabella::server
