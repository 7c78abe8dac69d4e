// Three real `tabella-ledger --cluster` nodes on a real 3-member etcd cluster (127.0.0.1) run
// one election: setup entries go to the nodes in turn (each must catch up with the others to
// accept the next), ballots of two kiosks are spread over the nodes, and mid-stream either one
// ledger node is SIGKILLed (its clients retry on the other nodes; it is restarted on its data
// dir) or the etcd Raft leader is (the nodes' etcd clients move to the other members).
// Afterwards every acknowledged entry is stored exactly once at its acknowledged index, every
// node holds the same log and serves the same checkpoint.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/election_sim.h"
#include "support/etcd_cluster.h"
#include "support/http_client.h"
#include "support/listening_process.h"

namespace tabella {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using testing::HttpClient;

// What is SIGKILLed half-way through the ballots.
enum class Kill { kLedgerNode, kEtcdLeader };

class LedgerCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(TABELLA_ETCD_BIN)) GTEST_SKIP() << "etcd not installed";
    dir_ = fs::temp_directory_path() / ("tabella-ledger-cluster-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    testing::EtcdClusterOptions o;
    o.binary = TABELLA_ETCD_BIN;
    o.dir = dir_;
    o.quick_failover = true;
    auto started = testing::EtcdCluster::start(std::move(o));
    ASSERT_TRUE(started.ok()) << started.error().describe();
    etcd_ = std::move(*started);
  }

  void TearDown() override {
    nodes_.clear();
    etcd_.reset();
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }

  // (Re)starts ledger node i on its data dir, stderr appended to <dir>/nI.log.
  void start_node(std::size_t i) {
    if (nodes_.size() <= i) nodes_.resize(i + 1);
    auto data = dir_ / ("n" + std::to_string(i));
    auto options = testing::ListeningProcess::kill_at_end();
    options.log_file = (dir_ / ("n" + std::to_string(i) + ".log")).string();
    nodes_[i].reset();
    nodes_[i] = std::make_unique<testing::ListeningProcess>(
        std::vector<std::string>{TABELLA_LEDGER_BIN, "--listen", "127.0.0.1:0", "--data-dir",
                                 data.string(), "--origin", origin_, "--authority-key", authority_,
                                 "--threads", "2", "--checkpoint-interval", "100ms", "--cluster",
                                 etcd_->ledger_url()},
        std::move(options));
    ASSERT_NE(nodes_[i]->port(), 0) << "node " << i;
  }

  void run(Kill kill);

  fs::path dir_;
  std::unique_ptr<testing::EtcdCluster> etcd_;
  std::vector<std::unique_ptr<testing::ListeningProcess>> nodes_;
  std::string origin_, authority_;
};

std::string post_body(ByteView entry) {
  return json{{"entry", to_base64(entry)}}.dump();
}

// A whole election through 3 nodes; half-way through the ballots either ledger node 2 or the
// etcd Raft leader is SIGKILLed. Every acknowledged entry must then be stored exactly once, at
// its acknowledged index, on every node, and all nodes serve the same log and checkpoint.
TEST_F(LedgerCluster, ThreeNodesOneKilledEveryAcknowledgedEntryOnceSameCheckpoint) {
  run(Kill::kLedgerNode);
}

TEST_F(LedgerCluster, EtcdLeaderKilledMidStreamEveryAcknowledgedEntryOnceSameCheckpoint) {
  run(Kill::kEtcdLeader);
}

void LedgerCluster::run(Kill kill) {
  testing::SimOptions o;
  o.kiosks = 2;
  o.ballots = 30;
  o.challenged = 2;
  auto sim = testing::simulate_election(o);
  origin_ = sim.manifest.origin;
  authority_ = to_hex(sim.authority);
  auto parsed = ledger::parse_verifier_key(sim.ledger_key);
  ASSERT_TRUE(parsed.ok());
  PublicKeyBytes pk{};
  std::copy(parsed->public_key.begin(), parsed->public_key.end(), pk.begin());
  for (int i = 0; i < 3; ++i) {  // every node signs checkpoints with the election's ledger key
    auto data = dir_ / ("n" + std::to_string(i));
    fs::create_directories(data);
    ASSERT_TRUE(sim.keys.at(pk)->save_pem((data / "ledger.key").string()).ok());
  }
  for (std::size_t i = 0; i < 3; ++i) start_node(i);

  std::mutex mu;
  std::map<std::size_t, std::uint64_t> acked;  // sim position -> acknowledged index
  std::atomic<bool> node2_dead{false};
  // Submits entry `pos` starting at node `first`, moving on to the next live node on a
  // connection failure or a 5xx; a 4xx is a test failure.
  auto submit = [&](std::size_t pos, std::size_t first) -> bool {
    for (int attempt = 0; attempt < 60; ++attempt) {
      std::size_t k = (first + static_cast<std::size_t>(attempt)) % 3;
      if (k == 2 && node2_dead) continue;
      HttpClient c(nodes_[k]->port());
      auto r = c.post("/v1/entries", post_body(sim.entries[pos]));
      if (!r.ok() || r->status >= 500) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      if (r->status != 200) {
        ADD_FAILURE() << "entry " << pos << " on node " << k << ": " << r->status << " " << r->body;
        return false;
      }
      std::lock_guard<std::mutex> lock(mu);
      acked[pos] = json::parse(r->body)["index"];
      return true;
    }
    ADD_FAILURE() << "entry " << pos << " never acknowledged";
    return false;
  };

  std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  std::size_t close = sim.find(record::EntryType::kPollsClose);
  for (std::size_t i = 0; i < first_ballot; ++i) ASSERT_TRUE(submit(i, i % 3)) << i;

  std::map<PublicKeyBytes, std::vector<std::size_t>> by_kiosk;
  for (std::size_t i = first_ballot; i < close; ++i) by_kiosk[sim.entry(i).author].push_back(i);
  std::atomic<int> count{0};
  std::vector<std::thread> writers;
  for (auto& [kiosk, positions] : by_kiosk) {
    writers.emplace_back([&, positions = positions] {
      for (std::size_t j = 0; j < positions.size(); ++j) {
        if (!submit(positions[j], j % 3)) return;
        ++count;
      }
    });
  }
  while (count < static_cast<int>((close - first_ballot) / 2)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const int at_kill = count.load();
  EXPECT_LT(at_kill, static_cast<int>(close - first_ballot)) << "killed after the stream ended";
  if (kill == Kill::kLedgerNode) {
    node2_dead = true;
    nodes_[2]->signal_and_wait(SIGKILL);
  } else {
    int l = etcd_->leader();
    ASSERT_GE(l, 0) << "no etcd leader found";
    etcd_->kill(static_cast<std::size_t>(l));  // Raft elects another; the nodes retry
  }
  for (auto& t : writers) t.join();
  ASSERT_FALSE(HasFailure());
  if (kill == Kill::kLedgerNode) start_node(2);  // rebuilds what it missed from etcd

  // The closing entries, bound to the log as the cluster ordered it (checks 30..34).
  {
    HttpClient c(nodes_[0]->port());
    json entries;
    for (int i = 0; i < 100; ++i) {
      entries = json::parse(c.get("/v1/entries?start=0&count=1000")->body)["entries"];
      if (entries.size() == close) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(entries.size(), close);
    std::vector<Bytes> log;
    for (const auto& e : entries) log.push_back(*from_base64(e["entry"].get<std::string>()));
    auto closing = testing::finish_over(sim, log, o.absent);
    ASSERT_EQ(closing.size(), sim.entries.size() - close);
    std::copy(closing.begin(), closing.end(),
              sim.entries.begin() + static_cast<std::ptrdiff_t>(close));
  }
  for (std::size_t i = close; i < sim.entries.size(); ++i) ASSERT_TRUE(submit(i, i % 3)) << i;
  // Resubmitting anything is idempotent on every node.
  for (std::size_t k = 0; k < 3; ++k) {
    HttpClient c(nodes_[k]->port());
    auto r = c.post("/v1/entries", post_body(sim.entries[first_ballot]));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u) << r->body;
    EXPECT_EQ(json::parse(r->body)["index"], acked[first_ballot]);
    EXPECT_EQ(json::parse(r->body)["duplicate"], true);
  }

  const std::uint64_t n = sim.entries.size();
  ASSERT_EQ(acked.size(), n);
  std::string page0, checkpoint0;
  long long txns = 0;
  for (std::size_t k = 0; k < 3; ++k) {
    HttpClient c(nodes_[k]->port());
    json status;
    for (int i = 0; i < 100; ++i) {
      status = json::parse(c.get("/v1/status")->body);
      if (status["size"] == n) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(status["size"], n) << "node " << k;
    EXPECT_EQ(status["phase"], "finished") << "node " << k;
    std::string page = c.get("/v1/entries?start=0&count=1000")->body;
    json entries = json::parse(page)["entries"];
    ASSERT_EQ(entries.size(), n) << "node " << k;
    std::map<std::string, int> seen;
    for (const auto& e : entries) ++seen[e["entry"].get<std::string>()];
    for (const auto& [pos, index] : acked) {
      EXPECT_EQ(seen[to_base64(sim.entries[pos])], 1) << "entry " << pos << " on node " << k;
      EXPECT_EQ(entries[index]["entry"], to_base64(sim.entries[pos]))
          << "acknowledged entry " << pos << " moved on node " << k;
    }
    std::string checkpoint;
    for (int i = 0; i < 100; ++i) {
      checkpoint = c.get("/checkpoint")->body;
      if (checkpoint.find("\n" + std::to_string(n) + "\n") != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // The etcd client's counters are on /metrics (since the process started: a restarted node
    // may have sent none).
    std::string metrics = c.get("/metrics")->body;
    auto counter = [&metrics](const std::string& name) -> long long {
      auto at = metrics.find("\n" + name + " ");
      if (at == std::string::npos) return -1;
      return std::stoll(metrics.substr(at + name.size() + 2));
    };
    EXPECT_GE(counter("tabella_ledger_etcd_txns_total"), 0) << "node " << k;
    EXPECT_GE(counter("tabella_ledger_etcd_conflicts_total"), 0) << "node " << k;
    txns += counter("tabella_ledger_etcd_txns_total");
    if (k == 0) {
      page0 = page;
      checkpoint0 = checkpoint;
    } else {
      EXPECT_EQ(page, page0) << "node " << k << " holds another log";
      EXPECT_EQ(checkpoint, checkpoint0) << "node " << k << " serves another checkpoint";
    }
  }
  EXPECT_NE(checkpoint0.find("\n" + std::to_string(n) + "\n"), std::string::npos) << checkpoint0;
  EXPECT_GE(txns, 3) << "the nodes' /metrics count no etcd transactions";
}

}  // namespace
}  // namespace tabella
