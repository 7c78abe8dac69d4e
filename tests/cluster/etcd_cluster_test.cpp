// EtcdStorage against a real 3-member etcd cluster on 127.0.0.1 (tests/support/etcd_cluster.h):
// three ledger "nodes" (each an EtcdStorage over its own SqliteStorage) append streams of distinct
// entries concurrently; the etcd leader is killed mid-stream, and separately one node is killed and
// restarted. Afterwards every acknowledged entry is in the log exactly once at its acknowledged
// position, and every node's local copy equals the cluster log.
#include "support/etcd_cluster.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tabella/http/client.h"
#include "tabella/record/state.h"
#include "tabella/server/committer.h"
#include "tabella/server/etcd/etcd_storage.h"
#include "tabella/server/metrics.h"
#include "tabella/server/sqlite_storage.h"

namespace tabella::server::etcd {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

class EtcdCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(TABELLA_ETCD_BIN)) GTEST_SKIP() << "etcd not installed";
    dir_ = fs::temp_directory_path() / ("tabella-cluster-" + std::to_string(::getpid()));
    auto started = tabella::testing::EtcdCluster::start_fresh(TABELLA_ETCD_BIN, dir_);
    ASSERT_TRUE(started.ok()) << started.error().describe();
    etcd_ = std::move(*started);
    for (std::uint16_t port : etcd_->client_ports()) {
      endpoints_.push_back(
          *http::Url::parse("127.0.0.1:" + std::to_string(port), http::kEndpointRules));
    }
  }

  void TearDown() override {
    etcd_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  std::unique_ptr<EtcdStorage> open_node(int n) {
    EtcdOptions o;
    o.max_txn_entries = 4;  // several transactions per batch
    return open_node(n, o);
  }
  // Node n with these options (endpoints and origin filled in); null on failure.
  std::unique_ptr<EtcdStorage> open_node(int n, EtcdOptions o) {
    auto local = SqliteStorage::open(dir_ / ("node" + std::to_string(n)));
    EXPECT_TRUE(local.ok());
    if (!local) return nullptr;
    o.endpoints = endpoints_;
    o.origin = "cluster.test/log";
    auto s = EtcdStorage::open(o, std::move(*local));
    EXPECT_TRUE(s.ok()) << s.error().describe();
    return s ? std::move(*s) : nullptr;
  }

  fs::path dir_;
  std::unique_ptr<tabella::testing::EtcdCluster> etcd_;
  std::vector<http::Url> endpoints_;
};

// What a node's committer does with the cluster: catch up (remote entries applied to the local
// copy), drop what is already stored, compare-and-append the rest, retry on a conflict.
struct Acks {
  std::mutex mu;
  std::map<std::string, std::uint64_t> index;  // entry -> acknowledged position
};

Status catch_up(EtcdStorage& s) {
  for (;;) {
    auto remote = s.fetch_remote(500);
    if (!remote) return remote.error();
    if (remote->empty()) return Status::success();
    auto n = s.size();
    if (!n) return n.error();
    TABELLA_TRY(s.apply_remote(*n, std::move(*remote), {}));
  }
}

// Submits `pending` until each is acknowledged or `alive` turns false.
void drive(EtcdStorage& s, std::vector<std::string> pending, Acks& acks,
           const std::atomic<bool>& alive) {
  while (!pending.empty() && alive.load()) {
    if (!catch_up(s).ok()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    // Up to 6 per batch; entries already in the log are acknowledged with their position.
    std::vector<Bytes> batch;
    std::vector<std::string> names;
    for (auto it = pending.begin(); it != pending.end() && batch.size() < 6;) {
      auto found = s.find_by_hash(sha256(as_bytes(*it)));
      if (found && *found) {
        std::lock_guard<std::mutex> lock(acks.mu);
        acks.index[*it] = **found;
        it = pending.erase(it);
        continue;
      }
      batch.emplace_back(it->begin(), it->end());
      names.push_back(*it);
      ++it;
    }
    if (batch.empty()) continue;
    auto r = s.append_batch(std::move(batch), {});
    if (!r) continue;  // conflict or unreachable: catch up and retry
    std::lock_guard<std::mutex> lock(acks.mu);
    for (std::size_t i = 0; i < names.size(); ++i) {
      acks.index[names[i]] = (*r)[i];
      pending.erase(std::find(pending.begin(), pending.end(), names[i]));
    }
  }
}

std::vector<std::string> stream(int node, int count) {
  std::vector<std::string> out;
  for (int i = 0; i < count; ++i) {
    out.push_back("node" + std::to_string(node) + "-ballot-" + std::to_string(i));
  }
  return out;
}

void expect_exactly_once(EtcdStorage& reference, const Acks& acks, std::uint64_t expected) {
  auto size = reference.size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, expected);
  auto all = reference.read_range(0, *size);
  ASSERT_TRUE(all.ok());
  std::map<std::string, std::uint64_t> where;
  for (std::uint64_t i = 0; i < all->size(); ++i) {
    std::string e = to_string((*all)[i]);
    EXPECT_TRUE(where.emplace(e, i).second) << "entry twice: " << e;
  }
  for (const auto& [e, i] : acks.index) {
    auto it = where.find(e);
    ASSERT_NE(it, where.end()) << "acknowledged entry missing: " << e;
    EXPECT_EQ(it->second, i) << e;
  }
}

TEST_F(EtcdCluster, AppendsFromThreeNodesSurviveTheLeaderBeingKilled) {
  std::vector<std::unique_ptr<EtcdStorage>> nodes;
  for (int n = 0; n < 3; ++n) nodes.push_back(open_node(n));
  Acks acks;
  std::atomic<bool> alive{true};
  const int kPerNode = 60;
  std::vector<std::thread> threads;
  for (int n = 0; n < 3; ++n) {
    threads.emplace_back(
        [&, n] { drive(*nodes[static_cast<std::size_t>(n)], stream(n, kPerNode), acks, alive); });
  }
  // Mid-stream: kill the Raft leader.
  while (true) {
    {
      std::lock_guard<std::mutex> lock(acks.mu);
      if (acks.index.size() >= 40) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  int l = etcd_->leader();
  ASSERT_GE(l, 0);
  etcd_->kill(static_cast<std::size_t>(l));
  std::size_t at_kill;
  {
    std::lock_guard<std::mutex> lock(acks.mu);
    at_kill = acks.index.size();
  }
  for (auto& t : threads) t.join();
  EXPECT_LT(at_kill, 3u * kPerNode) << "the leader died after the stream ended";
  EXPECT_EQ(acks.index.size(), 3u * kPerNode);
  for (auto& n : nodes) ASSERT_TRUE(catch_up(*n).ok());
  expect_exactly_once(*nodes[0], acks, 3 * kPerNode);
  auto reference = nodes[0]->read_range(0, 3 * kPerNode);
  for (auto& n : nodes) {
    auto copy = n->read_range(0, 3 * kPerNode);
    ASSERT_TRUE(copy.ok());
    EXPECT_EQ(*copy, *reference);
  }
  EXPECT_EQ(*nodes[1]->cluster_size(), 3u * kPerNode);
  std::printf(
      "transactions %llu, conflicts %llu\n",
      static_cast<unsigned long long>(nodes[0]->txn_count() + nodes[1]->txn_count() +
                                      nodes[2]->txn_count()),
      static_cast<unsigned long long>(nodes[0]->conflict_count() + nodes[1]->conflict_count() +
                                      nodes[2]->conflict_count()));
}

TEST_F(EtcdCluster, ANodeKilledMidStreamRestartsAndCatchesUp) {
  std::vector<std::unique_ptr<EtcdStorage>> nodes;
  for (int n = 0; n < 3; ++n) nodes.push_back(open_node(n));
  Acks acks;
  std::atomic<bool> alive{true}, node2_alive{true};
  const int kPerNode = 40;
  std::thread t0([&] { drive(*nodes[0], stream(0, kPerNode), acks, alive); });
  std::thread t1([&] { drive(*nodes[1], stream(1, kPerNode), acks, alive); });
  auto stream2 = stream(2, kPerNode);
  std::thread t2([&] { drive(*nodes[2], stream2, acks, node2_alive); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  node2_alive = false;  // node 2 "crashes": stops mid-stream, its storage is dropped
  t2.join();
  nodes[2].reset();
  t0.join();
  t1.join();
  // The node restarts on its data dir; its clients resubmit everything not acknowledged (and
  // some that were): exactly-once holds through the hash check after catching up.
  nodes[2] = open_node(2);
  drive(*nodes[2], stream2, acks, alive);
  for (auto& n : nodes) ASSERT_TRUE(catch_up(*n).ok());
  expect_exactly_once(*nodes[2], acks, 3 * kPerNode);
  auto reference = nodes[0]->read_range(0, 3 * kPerNode);
  for (auto& n : nodes) EXPECT_EQ(*n->read_range(0, 3 * kPerNode), *reference);
}

// A lost append race and a catch-up cost no extra round trip: the losing transaction's answer
// carries the cluster size and the entries after the local copy, and cluster_size() reads the
// first entries after the local copy with the size. Shown with every etcd member dead: the
// catch-up after the lost race still completes from what the answer carried, and only once (the
// next catch_up_target() has to ask etcd, and fails).
TEST_F(EtcdCluster, ALostRaceCarriesWhatTheCatchUpNeeds) {
  auto node0 = open_node(0);
  EtcdOptions o;
  o.timeout = std::chrono::milliseconds(1500);
  auto opened = open_node(1, o);
  ASSERT_NE(opened, nullptr);
  auto& node1 = *opened;

  const std::vector<Bytes> first{Bytes{1, 1}, Bytes{1, 2}, Bytes{1, 3}};
  ASSERT_TRUE(node0->append_batch(first, {}).ok());
  // The size read brings entries 0..2 along; node 1 appends without using them and loses.
  ASSERT_EQ(*node1.cluster_size(), 3u);
  auto lost = node1.append_batch({Bytes{2, 1}}, {});
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().reason, ErrorReason::kAppendRace);
  EXPECT_NE(lost.error().message.find("grew to 3 entries"), std::string::npos)
      << lost.error().describe();
  // node 0 appends more; node 1 catches up through the storage's own reads.
  const std::vector<Bytes> second{Bytes{1, 4}, Bytes{1, 5}};
  ASSERT_TRUE(node0->append_batch(second, {}).ok());
  auto lost_again = node1.append_batch({Bytes{2, 1}}, {});
  ASSERT_FALSE(lost_again.ok());
  EXPECT_EQ(lost_again.error().reason, ErrorReason::kAppendRace);

  for (std::size_t m = 0; m < etcd_->size(); ++m) etcd_->kill(m);
  // Everything the catch-up needs came with the lost race's answer.
  auto target = node1.catch_up_target();
  ASSERT_TRUE(target.ok()) << target.error().describe();
  EXPECT_EQ(*target, 5u);
  auto remote = node1.fetch_remote(10);
  ASSERT_TRUE(remote.ok()) << remote.error().describe();
  std::vector<Bytes> all = first;
  all.insert(all.end(), second.begin(), second.end());
  EXPECT_EQ(*remote, all);
  ASSERT_TRUE(node1.apply_remote(0, std::move(*remote), {}).ok());
  EXPECT_EQ(*node1.size(), 5u);
  // The hint is used once: the next catch-up asks etcd, which is gone.
  EXPECT_FALSE(node1.catch_up_target().ok());
  // Nothing prefetched is left that starts at the local size: fetching asks etcd too.
  EXPECT_FALSE(node1.fetch_remote(10).ok());
}

// Fairness signal (docs/cluster.md §1): a node that lost a race and then won its retry must not
// yield its next turn because of its own loss (it would wait for nobody, up to
// contention_yield), but must when another node lost since its last winning append.
TEST_F(EtcdCluster, OnlyAnotherNodesLostRaceCountsAsContention) {
  auto node0 = open_node(0);
  auto node1 = open_node(1);
  ASSERT_TRUE(node0->append_batch({Bytes{1, 1}}, {}).ok());
  EXPECT_FALSE(node0->take_contended());
  // node 1 loses (0 != 1), catches up and wins its retry: its own loss is not contention.
  ASSERT_FALSE(node1->append_batch({Bytes{2, 1}}, {}).ok());
  ASSERT_TRUE(catch_up(*node1).ok());
  ASSERT_TRUE(node1->append_batch({Bytes{2, 1}}, {}).ok());
  EXPECT_FALSE(node1->take_contended());
  // node 0 loses (1 != 2); node 1's next winning append sees that loss.
  ASSERT_FALSE(node0->append_batch({Bytes{1, 2}}, {}).ok());
  ASSERT_TRUE(node1->append_batch({Bytes{2, 2}}, {}).ok());
  EXPECT_TRUE(node1->take_contended());
  EXPECT_FALSE(node1->take_contended());  // once
  // node 0 catches up and wins: the last loss was its own.
  ASSERT_TRUE(catch_up(*node0).ok());
  ASSERT_TRUE(node0->append_batch({Bytes{1, 2}}, {}).ok());
  EXPECT_FALSE(node0->take_contended());
  EXPECT_EQ(*node0->cluster_size(), 4u);
}

TEST_F(EtcdCluster, ARewrittenLocalCopyIsRefusedAtOpen) {
  {
    auto node = open_node(0);
    ASSERT_TRUE(node->append_batch({Bytes{1}, Bytes{2}}, {}).ok());
  }
  // Another node whose local copy holds a different entry 1 (a forked history).
  auto local = SqliteStorage::open(dir_ / "forked");
  ASSERT_TRUE((*local)->append_batch({Bytes{1}, Bytes{9}}, {}).ok());
  EtcdOptions o;
  o.endpoints = endpoints_;
  o.origin = "cluster.test/log";
  auto s = EtcdStorage::open(o, std::move(*local));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kConflict);
}

// Committer level: two nodes, each a real Committer over its own EtcdStorage, both under
// continuous load from their own clients. A node's own entries come pre-verified (a `prepared`
// product); the other node's entries cost it `kRemoteCost` of validation on the committer thread,
// as a remote entry does. Each node must keep acknowledging entries while the other appends
// without pause: no gap of more than kMaxGap between two of its acknowledgements. (With a
// catch-up that runs until a fetch comes back empty, the node that falls behind first keeps
// catching up while the other appends, and acknowledges nothing for the whole run.)
class CostHooks final : public BatchHooks {
 public:
  Status validate(ByteView, const Prepared& prepared, BatchView&) override {
    if (prepared == nullptr) std::this_thread::sleep_for(kRemoteCost);
    return Status::success();
  }
  void before_commit(std::uint64_t, const std::vector<Bytes>&, BatchView&) override {}
  void after_commit(const Status&) override {}
  static constexpr std::chrono::microseconds kRemoteCost{6000};
};

class StorageRemote : public RemoteLog {
 public:
  explicit StorageRemote(EtcdStorage& s) : s_(s) {}
  Result<std::uint64_t> cluster_size() override {
    ++size_reads;
    return s_.cluster_size();
  }
  Result<std::uint64_t> catch_up_target() override {
    ++size_reads;
    return s_.catch_up_target();
  }
  std::atomic<int> size_reads{0};  // what the committer asked before its appends
  bool take_contended() override { return s_.take_contended(); }
  Result<std::vector<Bytes>> fetch_remote(std::size_t max) override { return s_.fetch_remote(max); }
  Status apply_remote(std::uint64_t first, std::vector<Bytes> entries, BatchEffects fx) override {
    return s_.apply_remote(first, std::move(entries), std::move(fx));
  }

 private:
  EtcdStorage& s_;
};

TEST_F(EtcdCluster, TwoAppendingNodesBothMakeProgress) {
  using Clock = std::chrono::steady_clock;
  constexpr int kNodes = 2, kClients = 6;
  constexpr auto kRun = std::chrono::seconds(6);
  constexpr auto kMaxGap = std::chrono::milliseconds(2500);
  std::vector<std::unique_ptr<EtcdStorage>> storages;
  std::vector<std::unique_ptr<StorageRemote>> remotes;
  std::vector<std::unique_ptr<CostHooks>> hooks;
  std::vector<std::unique_ptr<Committer>> committers;
  for (int n = 0; n < kNodes; ++n) {
    storages.push_back(open_node(n));
    remotes.push_back(std::make_unique<StorageRemote>(*storages.back()));
    hooks.push_back(std::make_unique<CostHooks>());
    Committer::Options o;
    o.remote = remotes.back().get();
    committers.push_back(std::make_unique<Committer>(*storages.back(), *hooks.back(), o));
    storages.back()->set_remote_listener([c = committers.back().get()] { c->wake(); });
  }
  std::mutex mu;
  std::vector<std::vector<Clock::time_point>> acked(kNodes);
  std::vector<int> refused(kNodes, 0);
  std::atomic<bool> running{true};
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int n = 0; n < kNodes; ++n) {
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, n, c] {
        // "verified on this node's pool" (CostHooks only looks whether there is one)
        Prepared product = std::make_shared<const record::CheckedEntry>();
        for (int i = 0; running.load(); ++i) {
          std::string e =
              "node" + std::to_string(n) + "-client" + std::to_string(c) + "-" + std::to_string(i);
          std::promise<bool> done;
          committers[static_cast<std::size_t>(n)]->submit(
              Bytes(e.begin(), e.end()), product,
              [&done](Result<AppendOutcome> r) { done.set_value(r.ok()); });
          bool ok = done.get_future().get();
          std::lock_guard<std::mutex> lock(mu);
          if (ok) {
            acked[static_cast<std::size_t>(n)].push_back(Clock::now());
          } else {
            ++refused[static_cast<std::size_t>(n)];
          }
        }
      });
    }
  }
  std::this_thread::sleep_for(kRun);
  running = false;
  const auto end = Clock::now();
  for (auto& t : clients) t.join();
  for (auto& s : storages) s->set_remote_listener(nullptr);
  committers.clear();
  for (int n = 0; n < kNodes; ++n) {
    auto& times = acked[static_cast<std::size_t>(n)];
    std::sort(times.begin(), times.end());
    auto gap = Clock::duration::zero();
    auto last = start;
    std::size_t during = 0;
    for (auto t : times) {
      if (t > end) break;
      gap = std::max(gap, t - last);
      last = t;
      ++during;
    }
    gap = std::max(gap, end - last);
    std::printf(
        "node %d: %zu acknowledged during the run, %d refused, longest gap %lld ms\n", n, during,
        refused[static_cast<std::size_t>(n)],
        static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(gap).count()));
    EXPECT_LT(gap, kMaxGap) << "node " << n << " was starved while the other appended";
    EXPECT_GE(during, 20u) << "node " << n;
  }
  // Both local copies end equal to the cluster log.
  for (auto& s : storages) ASSERT_TRUE(catch_up(*s).ok());
  auto size = storages[0]->cluster_size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*storages[0]->read_range(0, *size), *storages[1]->read_range(0, *size));
}

// A chain rule like a kiosk's: entry "k-N" is accepted only right after "k-(N-1)" (N = 0 starts
// chain k), through the state the committer keeps with the log, for local and remote entries.
class ChainHooks final : public BatchHooks {
 public:
  Status validate(ByteView entry, const Prepared&, BatchView& view) override {
    const std::string e = to_string(entry);
    const auto dash = e.rfind('-');
    const std::string key = "chain:" + e.substr(0, dash);
    const std::string n = e.substr(dash + 1);
    auto last = view.get_state(key);
    if (!last) return last.error();
    const std::string expected =
        *last ? std::to_string(std::stoi(to_string(**last)) + 1) : std::string("0");
    if (n != expected) {
      return make_error(ErrorCode::kConflict, e + " does not follow chain " + key);
    }
    view.put_state(key, Bytes(n.begin(), n.end()));
    return Status::success();
  }
  void before_commit(std::uint64_t, const std::vector<Bytes>&, BatchView&) override {}
  void after_commit(const Status&) override {}
};

// `stored`: as the entry the appender stored for this node (submit_stored).
Result<AppendOutcome> submit_and_wait(Committer& c, const std::string& e, bool stored = false) {
  std::promise<Result<AppendOutcome>> done;
  auto answer = [&done](Result<AppendOutcome> r) { done.set_value(std::move(r)); };
  if (stored) {
    c.submit_stored(Bytes(e.begin(), e.end()), answer);
  } else {
    c.submit(Bytes(e.begin(), e.end()), nullptr, answer);
  }
  return done.get_future().get();
}

// A catch-up target that lags (the watch had not yet delivered the cluster's last entries):
// a batch validated against that copy that would only be refused is not answered with the
// refusal. The committer first reads the cluster's size, catches up to it and validates again.
// Here catch_up_target() always answers the node's own size, as a watch that delivered nothing.
TEST_F(EtcdCluster, ARefusalAgainstALaggingCatchUpIsCheckedAgainstTheClusterFirst) {
  class LaggingRemote final : public StorageRemote {
   public:
    explicit LaggingRemote(EtcdStorage& s) : StorageRemote(s), s_(s) {}
    Result<std::uint64_t> catch_up_target() override { return s_.size(); }

   private:
    EtcdStorage& s_;
  };
  auto s0 = open_node(0);
  auto s1 = open_node(1);
  StorageRemote r0(*s0);
  LaggingRemote r1(*s1);
  ChainHooks h0, h1;
  Committer::Options o;
  o.remote = &r0;
  Committer c0(*s0, h0, o);
  o.remote = &r1;
  Committer c1(*s1, h1, o);
  for (const char* e : {"k-0", "k-1"}) ASSERT_TRUE(submit_and_wait(c0, e).ok());
  // Node 1's copy is empty and its catch-up target says so: "k-2" does not follow there.
  auto k2 = submit_and_wait(c1, "k-2");
  ASSERT_TRUE(k2.ok()) << "a refusal made against a lagging copy reached the client: "
                       << k2.error().describe();
  EXPECT_EQ(k2->index, 2u);
  EXPECT_GE(r1.size_reads.load(), 1);
  // A true refusal is still delivered, once the cluster confirms the copy: "k-9".
  auto k9 = submit_and_wait(c1, "k-9");
  ASSERT_FALSE(k9.ok());
  EXPECT_EQ(k9.error().code, ErrorCode::kConflict);
  EXPECT_NE(k9.error().message.find("does not follow"), std::string::npos);
}

// A node whose appends keep winning appends its next batch without asking the cluster its size
// first: one etcd round trip per batch fewer (the compare on P size guards the append).
TEST_F(EtcdCluster, AWinningAppenderAsksTheClusterNothingBeforeItsNextBatch) {
  for (bool optimistic : {true, false}) {
    SCOPED_TRACE(optimistic ? "optimistic" : "catch-up first");
    auto storage = open_node(optimistic ? 0 : 1);
    StorageRemote remote(*storage);
    ChainHooks hooks;
    Metrics metrics;
    Committer::Options o;
    o.remote = &remote;
    o.optimistic_append = optimistic;
    Committer committer(*storage, hooks, o, &metrics);
    const std::string chain = optimistic ? "lone" : "careful";
    for (int i = 0; i < 20; ++i) {
      auto r = submit_and_wait(committer, chain + "-" + std::to_string(i));
      ASSERT_TRUE(r.ok()) << r.error().describe();
      EXPECT_EQ(r->index, static_cast<std::uint64_t>(optimistic ? i : 20 + i));
      EXPECT_FALSE(r->duplicate);
    }
    committer.stop();  // counted after the answers: wait for the last count
    const std::string text = metrics.render();
    if (optimistic) {
      EXPECT_EQ(remote.size_reads.load(), 1);  // the first batch only
      EXPECT_NE(text.find("tabella_ledger_optimistic_appends_total{outcome=\"won\"} 19"),
                std::string::npos);
    } else {
      EXPECT_EQ(remote.size_reads.load(), 20);
      EXPECT_NE(text.find("tabella_ledger_optimistic_appends_total{outcome=\"won\"} 0"),
                std::string::npos);
    }
  }
}

// The other side: the cluster grew behind a node's back (another node appended; no watch tells
// it). Its optimistic batch was validated against a stale copy, so a refusal must not reach the
// client and an "accepted" entry must not be appended twice: the entry that only follows its
// chain after the other node's entries is accepted after a catch-up, the entry the other node
// already stored is acknowledged at the other node's index, not appended twice.
TEST_F(EtcdCluster, AnOptimisticBatchOverAStaleCopyIsValidatedAgainAfterACatchUp) {
  auto s0 = open_node(0);
  auto s1 = open_node(1);
  StorageRemote r0(*s0), r1(*s1);
  ChainHooks h0, h1;
  Metrics metrics;
  Committer::Options o;
  o.remote = &r0;
  Committer c0(*s0, h0, o, &metrics);
  o.remote = &r1;
  Committer c1(*s1, h1, o);
  for (const char* e : {"k-0", "k-1"}) {
    auto r = submit_and_wait(c0, e);
    ASSERT_TRUE(r.ok()) << r.error().describe();
  }
  // Node 1 catches up and extends the chain; node 0's copy now lags by two entries.
  ASSERT_TRUE(submit_and_wait(c1, "k-2").ok());
  auto other = submit_and_wait(c1, "other-0");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->index, 3u);
  const int reads_before = r0.size_reads.load();

  // Against node 0's stale copy "k-3" does not follow k-1: refused there, accepted after.
  auto k3 = submit_and_wait(c0, "k-3");
  ASSERT_TRUE(k3.ok()) << "a refusal made against a stale copy reached the client: "
                       << k3.error().describe();
  EXPECT_EQ(k3->index, 4u);
  EXPECT_FALSE(k3->duplicate);
  EXPECT_GT(r0.size_reads.load(), reads_before);  // it did catch up

  // Node 1 appends again; node 0 is sent the same bytes (a kiosk retrying elsewhere). Its append
  // at 5 loses the compare and finds these very bytes there: acknowledged at 5, not appended
  // again (as the answer to a retried transaction would be).
  auto o1 = submit_and_wait(c1, "other-1");
  ASSERT_TRUE(o1.ok());
  EXPECT_EQ(o1->index, 5u);
  auto again = submit_and_wait(c0, "other-1");
  ASSERT_TRUE(again.ok()) << again.error().describe();
  EXPECT_EQ(again->index, 5u);

  // The cluster grows again; node 0's next optimistic append loses the race for real and goes
  // after node 1's entry.
  ASSERT_TRUE(submit_and_wait(c1, "other-2").ok());
  auto fresh = submit_and_wait(c0, "fresh-0");
  ASSERT_TRUE(fresh.ok()) << fresh.error().describe();
  EXPECT_EQ(fresh->index, 7u);

  // A genuine refusal is still delivered (after a catch-up confirmed it).
  auto bad = submit_and_wait(c0, "k-9");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("does not follow"), std::string::npos);

  c0.stop();  // counted after the answers: wait for the last count
  const std::string text = metrics.render();
  EXPECT_NE(text.find("tabella_ledger_optimistic_appends_total{outcome=\"retried\"} 3"),
            std::string::npos)
      << text;  // k-3, fresh-0, k-9
  // Node 0's copy equals the cluster log: 8 entries, none twice.
  auto size = s0->cluster_size();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 8u);
  ASSERT_TRUE(catch_up(*s0).ok());
  ASSERT_TRUE(catch_up(*s1).ok());
  auto log0 = s0->read_range(0, 8);
  ASSERT_TRUE(log0.ok());
  EXPECT_EQ(*log0, *s1->read_range(0, 8));
  std::set<Bytes> distinct(log0->begin(), log0->end());
  EXPECT_EQ(distinct.size(), 8u);
}

// A node that forwards to an appender gets the appender's entries twice: through the watch (its
// committer catches up) and as the entries it forwarded (submit_stored). Those its copy already
// holds are answered from the copy, with no etcd round trip.
TEST_F(EtcdCluster, StoredEntriesTheCopyHoldsAreAnsweredWithoutAskingTheCluster) {
  auto s0 = open_node(0);
  auto s1 = open_node(1);
  StorageRemote r1(*s1);
  ChainHooks h1;
  Committer::Options o;
  o.remote = &r1;
  Committer c1(*s1, h1, o);  // node 0, the appender, appends through its storage directly
  s1->set_remote_listener([&c1] { c1.wake(); });
  for (int i = 0; i < 5; ++i) {
    const std::string e = "fwd-" + std::to_string(i);
    ASSERT_TRUE(s0->append_batch({Bytes(e.begin(), e.end())}, {}).ok());
    // Node 1's watch brings the entry into its copy.
    for (int k = 0; k < 500 && *s1->size() < static_cast<std::uint64_t>(i + 1); ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(*s1->size(), static_cast<std::uint64_t>(i + 1));
    const int reads = r1.size_reads.load();
    auto r = submit_and_wait(c1, e, /*stored=*/true);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_TRUE(r->duplicate);
    EXPECT_EQ(r->index, static_cast<std::uint64_t>(i));
    EXPECT_EQ(r1.size_reads.load(), reads) << "asked the cluster for an entry its copy holds";
  }
  // An entry the copy does not hold yet (no watch now) still goes through the catch-up.
  s1->set_remote_listener(nullptr);
  const std::string last = "fwd-5";
  ASSERT_TRUE(s0->append_batch({Bytes(last.begin(), last.end())}, {}).ok());
  auto r = submit_and_wait(c1, last, /*stored=*/true);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->duplicate);
  EXPECT_EQ(r->index, 5u);
}

// The watch wakes a node's committer only for growth it has not seen: a node appending alone is
// not woken by its own appends (each wake-up of an idle committer costs a catch-up round trip),
// the other node is, and a node is again once the other appends.
TEST_F(EtcdCluster, ANodeIsWokenByOtherNodesAppendsNotByItsOwn) {
  std::unique_ptr<EtcdStorage> nodes[2] = {open_node(0), open_node(1)};
  std::atomic<int> woken[2] = {0, 0};
  for (int n : {0, 1}) nodes[n]->set_remote_listener([&woken, n] { ++woken[n]; });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the watch streams are up
  // Node 0 appends 10 entries one by one, then node 1 (caught up) does.
  for (int appender : {0, 1}) {
    SCOPED_TRACE("appending: node " + std::to_string(appender));
    ASSERT_TRUE(catch_up(*nodes[appender]).ok());
    const int before[2] = {woken[0].load(), woken[1].load()};
    for (int i = 0; i < 10; ++i) {
      std::string e = "node" + std::to_string(appender) + "-" + std::to_string(i);
      ASSERT_TRUE(nodes[appender]->append_batch({Bytes(e.begin(), e.end())}, {}).ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const int own = woken[appender].load() - before[appender];
    const int other = woken[1 - appender].load() - before[1 - appender];
    std::printf("10 appends by node %d: it was woken %d times, the other node %d times\n", appender,
                own, other);
    EXPECT_LE(own, 2);    // a watch stream's end (once a second) still wakes it
    EXPECT_GE(other, 3);  // an event per append, but a message may carry several
  }
  for (auto& node : nodes) node->set_remote_listener(nullptr);
}

// A catch-up the watch covered asks etcd nothing: the watch over P log/ .. P size delivered the
// entries and the size (docs/cluster.md, "Catching up from the watch"). Shown by stopping every
// etcd member before the catch-up. One entry is larger than a stream piece, so a watch response
// spans many.
TEST_F(EtcdCluster, ACatchUpTheWatchCoveredAsksEtcdNothing) {
  auto node0 = open_node(0);
  EtcdOptions o;
  o.timeout = std::chrono::milliseconds(1500);  // etcd is stopped below
  auto node1 = open_node(1, o);
  ASSERT_NE(node1, nullptr);
  std::atomic<int> woken{0};
  node1->set_remote_listener([&woken] { ++woken; });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the watch stream is up
  std::vector<Bytes> appended;
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<Bytes> entries;
    for (int i = 0; i < 3; ++i) {
      entries.push_back(
          Bytes(batch == 1 && i == 1 ? 300000 : 50, static_cast<std::uint8_t>(16 * batch + i)));
    }
    appended.insert(appended.end(), entries.begin(), entries.end());
    ASSERT_TRUE(node0->append_batch(std::move(entries), {}).ok());
  }
  // Wait until the watch has delivered all nine entries (and woken the listener), then stop etcd.
  for (int i = 0; i < 250 && (woken.load() < 1 || node1->watch_buffered().first < 9); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(node1->watch_buffered(), (std::pair<std::size_t, std::size_t>{9, 8 * 50 + 300000}));
  node1->set_remote_listener(nullptr);
  for (std::size_t m = 0; m < etcd_->size(); ++m) etcd_->kill(m);

  auto target = node1->catch_up_target();
  ASSERT_TRUE(target.ok()) << target.error().describe();
  EXPECT_EQ(*target, 9u);
  auto remote = node1->fetch_remote(5);  // in two rounds, as the committer's batches go
  ASSERT_TRUE(remote.ok()) << remote.error().describe();
  ASSERT_EQ(remote->size(), 5u);
  ASSERT_TRUE(node1->apply_remote(0, std::move(*remote), {}).ok());
  remote = node1->fetch_remote(5);
  ASSERT_TRUE(remote.ok()) << remote.error().describe();
  ASSERT_EQ(remote->size(), 4u);
  ASSERT_TRUE(node1->apply_remote(5, std::move(*remote), {}).ok());
  auto copy = node1->read_range(0, 9);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(*copy, appended);
  EXPECT_EQ(node1->watch_fed_count(), 1u);
  EXPECT_EQ(node1->read_catch_up_count(), 0u);
  // Caught up: nothing the watch saw is left, so the next catch-up asks etcd, which is gone.
  EXPECT_FALSE(node1->catch_up_target().ok());
  EXPECT_EQ(node1->read_catch_up_count(), 1u);
}

// Each node's watch stream starts on a member of its own and moves off the Raft leader, whose
// time goes to the appends every receipt waits for (docs/cluster.md, "Catching up from the
// watch"). Counted by etcd itself: each member's /metrics has its watchers. With twelve nodes
// choosing at random, some would start on the leader ((2/3)^12 = 0.8% that none does).
TEST_F(EtcdCluster, WatchStreamsStayOffTheRaftLeader) {
  std::vector<std::unique_ptr<EtcdStorage>> nodes;
  for (int n = 0; n < 12; ++n) {
    nodes.push_back(open_node(n));
    ASSERT_NE(nodes.back(), nullptr);
  }
  const int leader = etcd_->leader();
  ASSERT_GE(leader, 0);
  auto watchers = [&](std::size_t m) -> long long {
    auto r = http::fetch(endpoints_[m], http::Request{"GET", "/metrics", "", "", {}});
    if (!r || r->status != 200) return -1;
    const std::string name = "\netcd_debugging_mvcc_watcher_total ";
    const auto at = r->body.find(name);
    return at == std::string::npos ? -1 : std::stoll(r->body.substr(at + name.size()));
  };
  // Streams end when idle and start again (the leader check each time): sample for 3 s.
  long long most_on_followers = 0;
  for (int i = 0; i < 15; ++i) {
    EXPECT_EQ(watchers(static_cast<std::size_t>(leader)), 0) << "sample " << i;
    long long on_followers = 0;
    for (std::size_t m = 0; m < etcd_->size(); ++m) {
      if (static_cast<int>(m) == leader) continue;
      const long long w = watchers(m);
      ASSERT_GE(w, 0) << "member " << m << " has no watcher count";
      on_followers += w;
    }
    most_on_followers = std::max(most_on_followers, on_followers);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GE(most_on_followers, 12) << "the nodes' watch streams were not found on the followers";
}

// The watch's buffer is bounded (EtcdOptions::watch_buffer_bytes): past it only the newest
// entries are kept, and a catch-up from before them reads etcd as before, to the same log.
TEST_F(EtcdCluster, AWatchBufferOverflowOrASizeOnlyWatchFallsBackToReads) {
  auto node0 = open_node(0);
  EtcdOptions o;
  o.watch_buffer_bytes = 100;  // two of the entries below
  auto opened = open_node(1, o);
  ASSERT_NE(opened, nullptr);
  auto& node1 = *opened;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<Bytes> appended;
  for (int i = 0; i < 6; ++i) {
    appended.push_back(Bytes(40, static_cast<std::uint8_t>(i)));
    ASSERT_TRUE(node0->append_batch({appended.back()}, {}).ok());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto target = node1.catch_up_target();
  ASSERT_TRUE(target.ok()) << target.error().describe();
  EXPECT_EQ(*target, 6u);
  EXPECT_EQ(node1.watch_fed_count(), 0u);
  EXPECT_EQ(node1.read_catch_up_count(), 1u);
  ASSERT_TRUE(catch_up(node1).ok());
  auto copy = node1.read_range(0, 6);
  ASSERT_TRUE(copy.ok());
  EXPECT_EQ(*copy, appended);

  // A node that watches the size alone (watch_entries off: an appender) reads every catch-up.
  EtcdOptions size_only_options;
  size_only_options.watch_entries = false;
  auto size_only = open_node(2, size_only_options);
  ASSERT_NE(size_only, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(node0->append_batch({Bytes(40, 7)}, {}).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  target = size_only->catch_up_target();
  ASSERT_TRUE(target.ok()) << target.error().describe();
  EXPECT_EQ(*target, 7u);
  EXPECT_EQ(size_only->watch_fed_count(), 0u);
  EXPECT_EQ(size_only->read_catch_up_count(), 1u);
}

// Sockets of this machine (any state, TIME_WAIT included) with one end on one of `ports`.
std::size_t sockets_on(const std::vector<std::uint16_t>& ports) {
  std::size_t n = 0;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote;
      fields >> slot >> local >> remote;
      for (const std::string& end : {local, remote}) {
        auto colon = end.rfind(':');
        if (colon == std::string::npos) continue;
        auto port = static_cast<std::uint16_t>(std::stoul(end.substr(colon + 1), nullptr, 16));
        if (std::find(ports.begin(), ports.end(), port) != ports.end()) {
          ++n;
          break;
        }
      }
    }
  }
  return n;
}

// The etcd client keeps its connections alive: 60 appends and as many size reads do not open a
// connection each (with "Connection: close" they left 120+ sockets in TIME_WAIT).
TEST_F(EtcdCluster, ConnectionsAreKeptAlive) {
  auto node = open_node(0);
  const std::size_t before = sockets_on(etcd_->client_ports());
  for (int i = 0; i < 60; ++i) {
    std::string e = "keep-alive-" + std::to_string(i);
    ASSERT_TRUE(node->append_batch({Bytes(e.begin(), e.end())}, {}).ok());
    ASSERT_TRUE(node->cluster_size().ok());
  }
  const std::size_t after = sockets_on(etcd_->client_ports());
  std::printf("sockets on the etcd client ports: %zu before, %zu after 120 requests\n", before,
              after);
  EXPECT_LT(after, before + 20);
  EXPECT_EQ(node->txn_count(), 60u);
}

// One line of the watch stream: entries and the size are read; anything it cannot read is
// nullopt (the caller then wakes the committer, which reads etcd).
TEST(EtcdWatch, ParsesAWatchLine) {
  const std::string p = "/tabella/o/";
  auto b = [](std::string_view s) { return to_base64(as_bytes(s)); };
  auto put = [&](const std::string& key, std::string_view value) {
    return json{{"kv", {{"key", b(key)}, {"value", b(value)}, {"mod_revision", "7"}}}};
  };
  auto line = [](json events) {
    return json{{"result", {{"header", {{"revision", "7"}}}, {"events", events}}}}.dump();
  };
  const std::string log3 = p + "log/00000000000000000003";
  const std::string log4 = p + "log/00000000000000000004";
  auto read = EtcdStorage::parse_watch_line(
      line(json::array({put(log3, "three"), put(log4, "four"), put(p + "size", "5"),
                        put(p + "contend", ""), put(p + "log/x", "no index")})),
      p);
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(read->entries.size(), 2u);
  EXPECT_EQ(read->entries[0].first, 3u);
  EXPECT_EQ(to_string(read->entries[0].second), "three");
  EXPECT_EQ(read->entries[1].first, 4u);
  EXPECT_EQ(read->size, 5u);
  // The created answer and progress notices carry no events.
  auto created = EtcdStorage::parse_watch_line(R"({"result":{"created":true}})", p);
  ASSERT_TRUE(created.has_value());
  EXPECT_TRUE(created->entries.empty());
  EXPECT_FALSE(created->size.has_value());
  // Not readable: a cut line, a DELETE, a key that is not a string, a size that is no number.
  EXPECT_FALSE(EtcdStorage::parse_watch_line(line(json::array({put(log3, "x")})).substr(0, 40), p));
  json del = put(log3, "x");
  del["type"] = "DELETE";
  EXPECT_FALSE(EtcdStorage::parse_watch_line(line(json::array({del})), p));
  json bad_key = put(log3, "x");
  bad_key["kv"]["key"] = 12;
  EXPECT_FALSE(EtcdStorage::parse_watch_line(line(json::array({bad_key})), p));
  EXPECT_FALSE(EtcdStorage::parse_watch_line(line(json::array({put(p + "size", "many")})), p));
}

// The watch's buffer, alone: a catch-up is served from it only when it holds every entry from
// the local size up to the size the watch saw. A gap in what the watch delivered (a stream that
// restarted past some events) must never be served as if the run were whole: apply_remote's
// SHA-256 comparison could not notice, since its hashes come from this same buffer.
TEST(EtcdWatch, KeptEntriesAreOneRunAndAGapStartsANewOne) {
  auto e = [](std::string_view s) {
    const ByteView b = as_bytes(s);
    return Bytes(b.begin(), b.end());
  };
  WatchedEntries w(1u << 20);
  EXPECT_FALSE(w.covered_target(3).has_value());  // nothing seen yet
  w.add(3, e("three"), 0);
  w.add(4, e("four"), 0);
  w.note_size(5);
  EXPECT_EQ(w.covered_target(3), 5u);
  EXPECT_EQ(w.covered_target(4), 5u);
  EXPECT_FALSE(w.covered_target(2).has_value());  // entry 2 was never delivered
  EXPECT_FALSE(w.covered_target(5).has_value());  // nothing past the local size
  // Entries 5 and 6 missed: 7 starts a new run, so positions 3..7 are not covered.
  w.add(7, e("seven"), 0);
  w.note_size(8);
  EXPECT_EQ(w.from(), 7u);
  EXPECT_EQ(w.count(), 1u);
  EXPECT_EQ(w.bytes(), 5u);
  EXPECT_FALSE(w.covered_target(3).has_value());
  EXPECT_TRUE(w.take(3, 10).empty());
  EXPECT_EQ(w.covered_target(7), 8u);
  // A size the watch reports before its entries: not covered until they come.
  w.note_size(9);
  EXPECT_FALSE(w.covered_target(7).has_value());
  w.add(8, e("eight"), 0);
  EXPECT_EQ(w.covered_target(7), 9u);
  auto got = w.take(7, 10);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(to_string(got[0]), "seven");
  EXPECT_EQ(to_string(got[1]), "eight");
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.bytes(), 0u);
}

TEST(EtcdWatch, KeptEntriesSkipWhatTheNodeHoldsAndStayBounded) {
  auto e = [](std::string_view s) {
    const ByteView b = as_bytes(s);
    return Bytes(b.begin(), b.end());
  };
  WatchedEntries w(10);
  w.add(1, e("aaaa"), 2);  // below the node's own size or append in flight
  EXPECT_TRUE(w.empty());
  w.add(2, e("bbbb"), 2);
  w.add(3, e("cccc"), 2);
  w.add(2, e("xxxx"), 2);  // delivered again (a restarted stream): the first copy stays
  EXPECT_EQ(w.count(), 2u);
  EXPECT_EQ(w.bytes(), 8u);
  w.add(4, e("dddd"), 2);  // 12 bytes > 10: the oldest goes
  EXPECT_EQ(w.from(), 3u);
  EXPECT_EQ(w.count(), 2u);
  EXPECT_EQ(w.bytes(), 8u);
  w.note_size(5);
  EXPECT_FALSE(w.covered_target(2).has_value());  // entry 2 was dropped
  EXPECT_EQ(w.covered_target(3), 5u);
  // A node at size 4 takes from 4 on; what it holds is dropped first. At most max_entries.
  auto got = w.take(4, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(to_string(got[0]), "dddd");
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.bytes(), 0u);
  w.add(5, e("ee"), 0);
  w.add(6, e("ff"), 0);
  got = w.take(5, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(w.from(), 6u);
  EXPECT_EQ(w.bytes(), 2u);
  // One entry larger than the bound is not kept at all; neither is anything with a bound of 0.
  w.add(7, Bytes(11, 1), 0);
  EXPECT_TRUE(w.empty());
  WatchedEntries off(0);
  off.add(1, e("a"), 0);
  EXPECT_TRUE(off.empty());
}

// The watch stream's lines, across the pieces they arrive in, and the bound on an unfinished
// one (a response past it is dropped whole: the watcher then wakes the committer to read).
TEST(EtcdWatch, StreamLinesJoinPiecesAndDropALinePastTheBound) {
  StreamLines lines(10);
  std::vector<std::string> got;
  auto keep = [&got](std::string_view line) { got.emplace_back(line); };
  EXPECT_TRUE(lines.feed("ab", keep));
  EXPECT_TRUE(lines.feed("c\nde", keep));
  EXPECT_TRUE(lines.feed("f\n\ngh\ni", keep));
  EXPECT_EQ(got, (std::vector<std::string>{"abc", "def", "", "gh"}));
  got.clear();
  // "i" plus 10 more bytes: past the bound, dropped up to its newline two pieces later.
  EXPECT_FALSE(lines.feed("0123456789", keep));
  EXPECT_TRUE(lines.feed("still the long line", keep));
  EXPECT_TRUE(lines.feed("end\nnext\n", keep));
  EXPECT_EQ(got, (std::vector<std::string>{"next"}));
  got.clear();
  // A line completed within one piece is delivered whatever its length.
  EXPECT_TRUE(lines.feed("a complete line of 29 bytes.\n", keep));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].size(), 28u);
  got.clear();
  // The stream ended: what was unfinished is not joined to the next stream's first line.
  EXPECT_TRUE(lines.feed("half", keep));
  lines.reset();
  EXPECT_TRUE(lines.feed("whole\n", keep));
  EXPECT_EQ(got, (std::vector<std::string>{"whole"}));
}

TEST(EtcdUrl, Parses) {
  auto e = parse_etcd_url("etcd://127.0.0.1:2379,localhost:22379");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->size(), 2u);
  EXPECT_EQ((*e)[1].port, 22379);
  EXPECT_FALSE(parse_etcd_url("http://127.0.0.1:2379").ok());
  EXPECT_FALSE(parse_etcd_url("etcd://127.0.0.1").ok());
}

}  // namespace
}  // namespace tabella::server::etcd
