// The record layer the server's infrastructure tests plug into a LedgerNode instead of the
// election ledger (LedgerHooks::record): entries are opaque byte strings and every one is
// accepted, unless the test gives a check. tabella-ledger itself always runs the election ledger
// (--origin); this exists so that the HTTP server, the committer, the pool and the storage can be
// driven with entries a test makes up, without signing an election.
//
// The routes (register_opaque_entry_routes):
//   POST /v1/entries {"entry": "<base64>"}: pre_check on the pool, then the committer; the reply
//     {"index", "duplicate", "sha256"} is sent after the entry is durable. Errors as the election
//     ledger's (api::ErrorBody), 503 with Retry-After when the pool's queue is full, the disk is
//     full or the node is stopping.
//   GET /v1/entries?start=&count= (count 1..1000, default 100): {"start", "entries": [base64]}.
//   GET /v1/status: {"size", "checkpoint_size" (null before any)}.
//
// Thread-safety: AcceptAllHooks is called by the committer thread only (as any BatchHooks); the
// check it runs must be thread-compatible with whatever else the test does. The routes run on the
// node's I/O, pool and committer threads; what OpaqueEntryRoutes references must outlive them.
#pragma once

#include <cstdint>
#include <functional>

#include "tabella/server/committer.h"
#include "tabella/server/metrics.h"
#include "tabella/server/router.h"
#include "tabella/server/storage.h"
#include "tabella/server/thread_pool.h"

namespace tabella::testing {

// Decides on one entry in the committer, in order, seeing the earlier entries of its batch.
using EntryCheck = std::function<Status(ByteView entry, server::BatchView& view)>;

class AcceptAllHooks final : public server::BatchHooks {
 public:
  AcceptAllHooks() = default;
  explicit AcceptAllHooks(EntryCheck check) : check_(std::move(check)) {}

  Status validate(ByteView entry, const server::Prepared& prepared,
                  server::BatchView& view) override;
  void before_commit(std::uint64_t first_index, const std::vector<Bytes>& accepted,
                     server::BatchView& view) override;
  void after_commit(const Status& committed) override;

 private:
  EntryCheck check_;  // empty: accept everything
};

struct OpaqueEntryRoutes {
  server::Storage& storage;
  server::Committer& committer;
  server::ThreadPool& pool;
  server::Metrics& metrics;
  // On the pool before the committer (a stand-in for signature and proof checks); an error
  // answers the request and nothing is written. Empty: none.
  std::function<Status(ByteView entry)> pre_check;
};

void register_opaque_entry_routes(server::Router& router, const OpaqueEntryRoutes& routes);

}  // namespace tabella::testing
