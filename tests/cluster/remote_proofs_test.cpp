// Proofs off the commit path (docs/cluster.md, "Proofs off the commit path"), in one process: a
// real election ledger (LedgerNode over SQLite, real HTTP on 127.0.0.1) in cluster mode whose
// cluster side is a queue of "remote" entries. A remote entry is committed with its signature and
// the cheap rules checked; its proofs are checked on the verification pool afterwards, and until
// they passed nothing the node serves (status, entries, receipts, checkpoints, tiles, its root
// check for witnesses) covers it. The pool is held busy to make that window as long as the test
// needs. A remote entry whose proofs fail halts the node: /healthz, /metrics, refused appends.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/election_sim.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/temp_dir.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/record/bodies.h"
#include "tabella/server/election_ledger.h"
#include "tabella/server/ledger_node.h"

namespace tabella::server {
namespace {

using nlohmann::json;
using record::EntryType;
using testing::HttpClient;

// The cluster side: entries "another node" appended, applied when the committer catches up.
class QueueRemote final : public RemoteLog {
 public:
  explicit QueueRemote(Storage& local) : local_(local) {}
  void push(Bytes entry) {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(std::move(entry));
  }
  Result<std::uint64_t> cluster_size() override {
    auto n = local_.size();
    if (!n) return n.error();
    std::lock_guard<std::mutex> lock(mu_);
    return *n + queued_.size();
  }
  Result<std::vector<Bytes>> fetch_remote(std::size_t max) override {
    std::lock_guard<std::mutex> lock(mu_);
    return std::vector<Bytes>(
        queued_.begin(),
        queued_.begin() + static_cast<std::ptrdiff_t>(std::min(max, queued_.size())));
  }
  Status apply_remote(std::uint64_t first, std::vector<Bytes> entries, BatchEffects fx) override {
    const std::size_t n = entries.size();
    auto r = local_.append_batch(std::move(entries), std::move(fx));
    if (!r) return r.error();
    if (r->empty() || r->front() != first) return make_error(ErrorCode::kConflict, "moved");
    std::lock_guard<std::mutex> lock(mu_);
    queued_.erase(queued_.begin(), queued_.begin() + static_cast<std::ptrdiff_t>(n));
    return Status::success();
  }

 private:
  Storage& local_;
  std::mutex mu_;
  std::vector<Bytes> queued_;
};

struct ClusterNode {
  ClusterNode(const std::filesystem::path& dir, const testing::SimElection& sim) {
    ServerConfig config;
    config.listen = "127.0.0.1:0";
    config.data_dir = dir.string();
    config.key_file = (dir / "ledger.key").string();
    if (!std::filesystem::exists(config.key_file)) {
      EXPECT_TRUE(sim.shared_ledger_signing_key()->save_pem(config.key_file).ok());
    }
    config.origin = sim.manifest.origin;
    config.authority_key = to_hex(sim.authority);
    config.verify_threads = 2;
    config.threads = 2;
    config.checkpoint_interval = std::chrono::hours(1);
    LedgerHooks hooks;
    hooks.cluster = [this](std::unique_ptr<Storage> local) -> Result<ClusterStorage> {
      auto q = std::make_shared<QueueRemote>(*local);
      remote = q.get();
      ClusterStorage c;
      c.storage = std::move(local);
      c.remote = q.get();
      c.owner = q;
      return c;
    };
    auto started = LedgerNode::start(config, hooks);
    if (!started) throw std::runtime_error(started.error().describe());
    node = std::move(*started);
  }
  ~ClusterNode() { EXPECT_TRUE(node->stop().ok()); }

  // Another node appended `entry`: this one catches up now.
  void remote_append(Bytes entry) {
    remote->push(std::move(entry));
    node->committer().wake();
  }

  QueueRemote* remote = nullptr;
  std::unique_ptr<LedgerNode> node;
};

// Holds every pool thread busy until release() (or destruction). The destructor waits until
// every blocking task has left, so none touches the blocker after it is gone.
class PoolBlocker {
 public:
  explicit PoolBlocker(ThreadPool& pool) {
    for (std::size_t i = 0; i < pool.size(); ++i) {
      pool.post([this] {
        std::unique_lock<std::mutex> lock(mu_);
        ++busy_;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
        --busy_;
        cv_.notify_all();
      });
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return busy_ == pool.size(); });
  }
  ~PoolBlocker() {
    release();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return busy_ == 0; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t busy_ = 0;
  bool released_ = false;
};

json get_json(HttpClient& c, const std::string& path) {
  auto r = c.get(path);
  EXPECT_TRUE(r.ok()) << path;
  return r.ok() ? json::parse(r->body, nullptr, false) : json();
}

long long metric(HttpClient& c, const std::string& name) {
  std::string text = c.get("/metrics")->body;
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + name.size() + 2));
}

using testing::eventually;

std::uint64_t checkpoint_size(const std::string& note) {
  auto first = note.find('\n');
  return std::stoull(note.substr(first + 1, note.find('\n', first + 1) - first - 1));
}

// A cast ballot correctly signed by its enrolled kiosk, with its valid token and chain, whose
// first two selections' range proofs are swapped: every rule but the proofs (check 14) passes.
Bytes with_bad_proof(const testing::SimElection& sim, std::size_t pos) {
  record::Entry e = sim.entry(pos);
  auto body = record::CastBallotBody::decode(e.body);
  EXPECT_TRUE(body.ok());
  auto& selections = body->ballot.contests.at(0).selections;
  EXPECT_GE(selections.size(), 2u);
  std::swap(selections[0].proof, selections[1].proof);
  return record::Entry::make(e.type, e.base_hash, body->encode(), *sim.keys.at(e.author)).encode();
}

TEST(RemoteProofs, NothingIsServedBeyondTheVerifiedFrontier) {
  testing::SimOptions o;
  o.ballots = 4;
  o.challenged = 0;
  o.finish = false;
  auto sim = testing::simulate_election(o);
  testing::TempDir dir;
  auto owned = std::make_unique<ClusterNode>(dir.path(), sim);
  ClusterNode& n = *owned;
  HttpClient c(n.node->port());
  const std::size_t first_ballot = sim.find(EntryType::kCastBallot);
  ASSERT_EQ(sim.entry(first_ballot + 1).type, EntryType::kCastBallot);
  for (std::size_t i = 0; i < first_ballot; ++i) {
    auto r = c.post("/v1/entries", json{{"entry", to_base64(sim.entries[i])}}.dump());
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u) << i << ": " << r->body;
  }
  ElectionLedger& ledger = *n.node->election();
  ASSERT_EQ(get_json(c, "/v1/status")["size"], first_ballot);
  // The voter token a ballot spends, as GET /v1/tokens serves it.
  auto token_state = [&](std::size_t pos) {
    auto body = record::CastBallotBody::decode(sim.entry(pos).body);
    EXPECT_TRUE(body.ok());
    return get_json(c, "/v1/tokens/" + to_hex(body->token_hash))["state"].get<std::string>();
  };

  // A valid remote ballot, committed while the pool cannot check its proofs yet.
  {
    PoolBlocker blocked(n.node->pool());
    n.remote_append(sim.entries[first_ballot]);
    ASSERT_TRUE(eventually([&] {
      return metric(c, "tabella_ledger_committed_size") == static_cast<long long>(first_ballot + 1);
    }));
    EXPECT_EQ(*n.node->storage().size(), first_ballot + 1);
    EXPECT_EQ(metric(c, "tabella_ledger_verified_size"), static_cast<long long>(first_ballot));
    EXPECT_EQ(metric(c, "tabella_ledger_remote_proofs_pending"), 1);
    // Not served: status, entries, receipts, tiles, checkpoints, the root check.
    EXPECT_EQ(ledger.size(), first_ballot);
    EXPECT_EQ(get_json(c, "/v1/status")["size"], first_ballot);
    json page = get_json(c, "/v1/entries?start=0&count=1000");
    EXPECT_EQ(page["size"], first_ballot);
    EXPECT_EQ(page["entries"].size(), first_ballot);
    EXPECT_EQ(c.get("/v1/receipt?index=" + std::to_string(first_ballot))->status, 404u);
    EXPECT_EQ(c.get("/tile/entries/000.p/" + std::to_string(first_ballot + 1))->status, 404u);
    EXPECT_EQ(token_state(first_ballot), "unspent");  // spent in the token table, not served
    ASSERT_TRUE(ledger.publish_checkpoint().ok());
    EXPECT_EQ(checkpoint_size(c.get("/checkpoint")->body), first_ballot);
    ledger::MerkleBuilder tree;
    for (std::size_t i = 0; i <= first_ballot; ++i) tree.append(ledger::leaf_hash(sim.entries[i]));
    ledger::Checkpoint beyond{sim.manifest.origin, first_ballot + 1, tree.root(), {}};
    Status root = ledger.check_root(beyond);
    ASSERT_FALSE(root.ok());
    EXPECT_EQ(root.error().code, ErrorCode::kNotFound) << root.error().describe();
  }
  // Its proofs pass: served.
  ASSERT_TRUE(eventually([&] { return ledger.size() == first_ballot + 1; }));
  EXPECT_EQ(get_json(c, "/v1/status")["size"], first_ballot + 1);
  EXPECT_EQ(c.get("/v1/receipt?index=" + std::to_string(first_ballot))->status, 200u);
  EXPECT_EQ(metric(c, "tabella_ledger_remote_proofs_checked_total"), 1);
  EXPECT_EQ(c.get("/healthz")->status, 200u);
  EXPECT_EQ(token_state(first_ballot), "spent");

  // A remote ballot whose proofs fail: committed locally, never served; the node halts.
  n.remote_append(with_bad_proof(sim, first_ballot + 1));
  ASSERT_TRUE(eventually([&] { return c.get("/healthz")->status == 503u; }));
  json health = json::parse(c.get("/healthz")->body);
  EXPECT_EQ(health["status"], "halted");
  EXPECT_NE(health["reason"].get<std::string>().find("index " + std::to_string(first_ballot + 1)),
            std::string::npos)
      << health.dump();
  EXPECT_EQ(metric(c, "tabella_ledger_remote_proof_failures_total"), 1);
  EXPECT_EQ(metric(c, "tabella_ledger_committed_size"), static_cast<long long>(first_ballot + 2));
  EXPECT_EQ(metric(c, "tabella_ledger_verified_size"), static_cast<long long>(first_ballot + 1));
  EXPECT_EQ(ledger.size(), first_ballot + 1);
  ASSERT_TRUE(ledger.publish_checkpoint().ok());
  EXPECT_EQ(checkpoint_size(c.get("/checkpoint")->body), first_ballot + 1);
  EXPECT_EQ(get_json(c, "/v1/entries?start=0&count=1000")["entries"].size(), first_ballot + 1);
  EXPECT_EQ(token_state(first_ballot + 1), "unspent");
  // Nothing more is appended.
  auto refused =
      c.post("/v1/entries", json{{"entry", to_base64(sim.entries[first_ballot + 2])}}.dump());
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 409u) << refused->body;
  EXPECT_EQ(*n.node->storage().size(), first_ballot + 2);

  // Restarted on its data dir, the node checks again what was committed before its proofs were
  // checked, and refuses to serve that history.
  owned.reset();
  try {
    ClusterNode again(dir.path(), sim);
    ADD_FAILURE() << "a node whose local copy holds an entry with bad proofs started";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("committed before its proofs were checked"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tabella::server
