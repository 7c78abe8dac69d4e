// The generic ledger endpoints, independent of what an entry means (docs/api.md):
//   GET /healthz, GET /metrics, GET /v1/status,
//   POST /v1/entries {"entry": "<base64>"}  -> pre-verify on the pool -> committer -> receipt,
//   GET /v1/entries?start=&count=          -> {"start": s, "entries": ["<base64>", ...]}.
// The record layer plugs in through the Committer's Validator and the PreVerifier here.
//
// Thread-safety: handlers run on I/O threads and complete from the pool or committer threads;
// everything referenced by LedgerApi must outlive the Router's use.
#pragma once

#include <cstdint>
#include <functional>

#include "tabella/server/committer.h"
#include "tabella/server/metrics.h"
#include "tabella/server/router.h"
#include "tabella/server/storage.h"
#include "tabella/server/thread_pool.h"

namespace tabella::server {

// Expensive, state-independent checks on one entry (signatures, proofs), run on the ThreadPool
// before the entry reaches the committer. An error answers the request; nothing is written.
using PreVerifier = std::function<Status(ByteView entry)>;

struct LedgerApi {
  Storage& storage;
  Committer& committer;
  ThreadPool& pool;
  Metrics& metrics;
  PreVerifier pre_verify;               // empty: accept everything
  std::uint64_t max_read_count = 1000;  // entries per GET /v1/entries
  // false: only /healthz and /metrics (the election ledger registers its own entry routes).
  bool entry_routes = true;
};

void register_ledger_api(Router& router, const LedgerApi& api);

}  // namespace tabella::server
