// EtcdCosignShare: the cluster's one cosigning path over etcd (cosign_share.h; docs/cluster.md
// section 4, "One cosigning path for the cluster"). Two keys next to the log's, for prefix
// P = "/tabella/<origin>/":
//   P "cosigned"   the latest shared cosigned checkpoint: a C2SP signed note (the checkpoint
//                  signed by the ledger key, then the witnesses' cosignature lines)
//   P "cosigner"   the pusher's id, attached to its etcd lease (TTL lease_ttl): present while
//                  one node pushes to the witnesses
// The pusher: a node whose campaign transaction (compare create_revision(P cosigner) == 0, put
// P cosigner = its id with its lease) succeeded; it renews its lease every tick. When it stops
// it revokes the lease; when it dies the lease expires: either way P cosigner disappears, the
// others see it (watch, or the next tick) and one of them wins the next campaign.
// Every node reads P cosigned on every change (watch) and every tick, and hands a changed note
// to the listener (the cosigner checks it in full before using it).
// publish() writes P cosigned with a compare on the mod_revision it read (create_revision 0
// when absent), so notes never overwrite one written in between.
//
// Thread-safety: the CosignShare rules. Uses the EtcdStorage's gateway (failover, kept-alive
// connections); the storage must outlive this object.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "tabella/server/cosign_share.h"
#include "tabella/server/etcd/etcd_storage.h"
#include "tabella/util/mutex.h"

namespace tabella::server::etcd {

struct CosignShareOptions {
  std::string node_id;  // P cosigner's value while this node pushes; empty: a random one
  std::chrono::seconds lease_ttl{3};
  std::chrono::milliseconds tick{1000};  // lease renewal and re-read period
};

class EtcdCosignShare final : public CosignShare {
 public:
  EtcdCosignShare(EtcdStorage& storage, CosignShareOptions options);
  ~EtcdCosignShare() override;  // stop()
  EtcdCosignShare(const EtcdCosignShare&) = delete;
  EtcdCosignShare& operator=(const EtcdCosignShare&) = delete;

  void start(Listener listener) override;
  Status publish(std::uint64_t size, const std::string& note,
                 const std::function<bool(const std::string&)>& keep) override;
  Result<std::uint64_t> cluster_size() override;
  void stop() override;

  const std::string& node_id() const { return options_.node_id; }

 private:
  struct Kv {
    bool exists = false;
    std::string value;
    std::string mod_revision;  // etcd's int64 as the gateway spells it
    std::string lease;         // "0" or absent: none
  };
  Result<Kv> read(const std::string& key);
  bool keep_alive(const std::string& lease);
  bool campaign();
  void run();
  void watch();
  void wake();

  EtcdStorage& storage_;
  CosignShareOptions options_;
  std::string prefix_;
  Listener listener_;  // set by start(), before the threads
  Mutex mu_;
  CondVar cv_;
  bool woken_ TABELLA_GUARDED_BY(mu_) = false;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::thread runner_, watcher_;
  // The runner's (and stop()'s once it is joined).
  bool pushing_ = false;
  std::string lease_;
  std::chrono::steady_clock::time_point renewed_{};
  std::string seen_revision_;
};

}  // namespace tabella::server::etcd
