// CosignShare: one cosigning path for a cluster (docs/cluster.md section 4, "One cosigning path
// for the cluster"). The nodes of a cluster sign identical checkpoints (one ledger key); instead
// of each pushing them to every witness, one node at a time (the pusher) collects cosignatures
// and shares the cosigned checkpoint; every node takes it from there after checking it in full
// (Cosigner::offer_shared). The etcd implementation is server/etcd's EtcdCosignShare.
//
// Thread-safety: every method may be called from any thread. The listener's callbacks run on the
// share's own thread, one at a time, and must not block long.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tabella/util/result.h"

namespace tabella::server {

class CosignShare {
 public:
  struct Listener {
    // This node became (true) or stopped being (false) the one that pushes to the witnesses.
    std::function<void(bool pushing)> on_role;
    // The shared cosigned note changed (its text, unchecked; called again at least when it
    // changes, and may repeat the same text).
    std::function<void(std::string note)> on_shared;
  };
  virtual ~CosignShare() = default;

  // Starts campaigning for the pusher role and following the shared note. Once.
  virtual void start(Listener listener) = 0;
  // Shares a cosigned note of `size`, unless keep(the note shared now) says to keep that one (a
  // newer one that checks out). Never overwrites a note written meanwhile by another node: the
  // write is a compare-and-swap with the note it read (retried a few times).
  virtual Status publish(std::uint64_t size, const std::string& note,
                         const std::function<bool(const std::string&)>& keep) = 0;
  // The cluster log's size (a linearizable read): a shared note beyond it is not from this log.
  virtual Result<std::uint64_t> cluster_size() = 0;
  // Stops its threads and gives the pusher role up (another node takes over at once). Idempotent.
  virtual void stop() = 0;
};

}  // namespace tabella::server
