// Cluster mode with --cluster-appender URL (docs/cluster.md, "One appender"): this node sends
// the bodies of POST /v1/entries on to the node that appends for the cluster, so that the nodes'
// appends do not race each other in etcd. The appender is not trusted: a 200 from it only means
// "look in the cluster log now". The caller then hands the entry to its own committer, which
// catches up, finds it there (a duplicate of the appender's copy) and answers with this node's
// own receipt, or appends it itself when it is not there. Any other answer, or none, and the
// caller handles the entry as if there were no appender. After a failure to reach it the
// appender is left alone for `cooldown` (every entry is handled locally meanwhile).
//
// Thread-safety: forward() may be called from any thread; `done` runs on one of the
// forwarder's threads (or on the caller's, when forward() returns false it is not called).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tabella/util/result.h"

namespace tabella::server {

class Metrics;

// What the appender said about an entry it stored, from its 200 reply.
struct AppenderReply {
  std::uint64_t index = 0;
  bool duplicate = false;  // the appender had it already
};

class AppendForwarder {
 public:
  struct Options {
    std::size_t threads = 16;        // requests to the appender in flight at most
    std::size_t max_waiting = 1024;  // past this, forward() declines
    // Longer than the appender's own wait for an unreachable etcd (5 s, then a 503).
    std::chrono::milliseconds timeout{10000};
    std::chrono::milliseconds cooldown{2000};
  };
  // nullopt: no usable answer (unreachable, timed out, not 200, a reply that does not parse).
  using Done = std::function<void(std::optional<AppenderReply>)>;

  // kInvalidArgument (field "cluster-appender") when the URL does not parse.
  static Result<std::unique_ptr<AppendForwarder>> create(std::string_view appender_url,
                                                         Options options, Metrics* metrics);
  ~AppendForwarder();  // stops the threads; entries still waiting get nullopt
  AppendForwarder(const AppendForwarder&) = delete;
  AppendForwarder& operator=(const AppendForwarder&) = delete;

  // Queues `body` (a POST /v1/entries body) for the appender. False, and `done` not called,
  // while the appender cools down after a failure, when too many wait, or when stopping.
  // Counted in /metrics: tabella_ledger_forwarded_total{outcome="stored"|"failed"|"declined"}.
  bool forward(std::string body, Done done);

 private:
  struct Impl;
  explicit AppendForwarder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella::server
