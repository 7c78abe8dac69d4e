// Three real `tabella-ledger --cluster` nodes on a real 3-member etcd cluster (127.0.0.1) run
// one election: setup entries go to the nodes in turn (each must catch up with the others to
// accept the next), ballots of two kiosks are spread over the nodes, and mid-stream either one
// ledger node is SIGKILLed (its clients retry on the other nodes; it is restarted on its data
// dir) or the etcd Raft leader is (the nodes' etcd clients move to the other members).
// Afterwards every acknowledged entry is stored exactly once at its acknowledged index, every
// node holds the same log and serves the same checkpoint.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "support/election_sim.h"
#include "support/etcd_cluster.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/listening_process.h"
#include "support/process.h"
#include "tabella/ledger/receipt.h"

namespace tabella {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using testing::eventually;
using testing::HttpClient;

// What is SIGKILLed half-way through the ballots: ledger node 2, the etcd Raft leader, or (with
// one appender) node 0, the appender.
enum class Kill { kLedgerNode, kEtcdLeader, kAppender };

std::string post_body(ByteView entry) {
  return json{{"entry", to_base64(entry)}}.dump();
}

// The entry a forwarding node sent to an appender (the body of its POST /v1/entries).
Bytes forwarded_entry(const std::string& body) {
  auto entry = from_base64(json::parse(body)["entry"].get<std::string>());
  EXPECT_TRUE(entry.ok()) << body;
  return entry.ok() ? *entry : Bytes{};
}

// A fake appender on 127.0.0.1: a bare HTTP/1.1 server that reads one request per connection
// and answers 200 with what `answer` makes of the request body (a POST /v1/entries reply).
class FakeAppender {
 public:
  explicit FakeAppender(std::function<std::string(const std::string& body)> answer)
      : answer_(std::move(answer)) {
    auto listener = testing::listen_loopback();
    EXPECT_GE(listener.fd, 0);
    fd_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeAppender() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  FakeAppender(const FakeAppender&) = delete;
  FakeAppender& operator=(const FakeAppender&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int answered() const { return answered_.load(); }

 private:
  void serve() {
    for (;;) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      std::size_t head = std::string::npos, body = 0;
      char buf[4096];
      for (;;) {
        head = in.find("\r\n\r\n");
        if (head != std::string::npos) {
          auto cl = in.find("Content-Length: ");
          if (cl == std::string::npos) cl = in.find("content-length: ");
          body = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
          if (in.size() >= head + 4 + body) break;
        }
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        in.append(buf, static_cast<std::size_t>(n));
      }
      if (head != std::string::npos && in.size() >= head + 4 + body) {
        const std::string reply = answer_(in.substr(head + 4, body));
        const std::string out =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Content-Length: " +
            std::to_string(reply.size()) + "\r\nConnection: close\r\n\r\n" + reply;
        if (write(c, out.data(), out.size()) == static_cast<ssize_t>(out.size())) ++answered_;
      }
      close(c);
    }
  }

  std::function<std::string(const std::string&)> answer_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> answered_{0};
  std::thread thread_;
};

class LedgerCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(TABELLA_ETCD_BIN)) GTEST_SKIP() << "etcd not installed";
    dir_ = fs::temp_directory_path() / ("tabella-ledger-cluster-" + std::to_string(getpid()));
    auto started = testing::EtcdCluster::start_fresh(TABELLA_ETCD_BIN, dir_);
    ASSERT_TRUE(started.ok()) << started.error().describe();
    etcd_ = std::move(*started);
  }

  void TearDown() override {
    nodes_.clear();
    etcd_.reset();
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }

  // Every node signs checkpoints with the election's ledger key.
  void use_election(const testing::SimElection& sim) {
    origin_ = sim.manifest.origin;
    authority_ = to_hex(sim.authority);
    for (int i = 0; i < 3; ++i) {
      auto data = dir_ / ("n" + std::to_string(i));
      fs::create_directories(data);
      ASSERT_TRUE(sim.ledger_signing_key().save_pem((data / "ledger.key").string()).ok());
    }
  }

  // An election of `kiosks` kiosks casting `ballots` ballots (none challenged), its setup only
  // up to the ballots unless `finish`; every node gets its ledger key (use_election).
  testing::SimElection elect(std::uint32_t kiosks, std::uint32_t ballots, bool finish = false) {
    testing::SimOptions o;
    o.kiosks = kiosks;
    o.ballots = ballots;
    o.challenged = 0;
    o.finish = finish;
    auto sim = testing::simulate_election(o);
    use_election(sim);
    return sim;
  }

  // (Re)starts ledger node i on its data dir, stderr appended to <dir>/nI.log, with `extra`
  // arguments the first time (a restart uses the same ones, and the same port if one was given).
  void start_node(std::size_t i, std::vector<std::string> extra = {}) {
    if (nodes_.size() <= i) nodes_.resize(i + 1);
    if (extra_.size() <= i) extra_.resize(i + 1);
    if (!extra.empty()) extra_[i] = std::move(extra);
    auto data = dir_ / ("n" + std::to_string(i));
    auto options = testing::ListeningProcess::kill_at_end();
    options.log_file = (dir_ / ("n" + std::to_string(i) + ".log")).string();
    nodes_[i].reset();
    std::vector<std::string> args{TABELLA_LEDGER_BIN,
                                  "--data-dir",
                                  data.string(),
                                  "--origin",
                                  origin_,
                                  "--authority-key",
                                  authority_,
                                  "--threads",
                                  "2",
                                  "--checkpoint-interval",
                                  "100ms",
                                  "--cluster",
                                  etcd_->ledger_url(),
                                  "--node-witness",
                                  "node" + std::to_string(i)};
    bool listen_given = false;
    for (const auto& a : extra_[i]) listen_given = listen_given || a == "--listen";
    if (!listen_given) args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    args.insert(args.end(), extra_[i].begin(), extra_[i].end());
    nodes_[i] = std::make_unique<testing::ListeningProcess>(std::move(args), std::move(options));
    ASSERT_NE(nodes_[i]->port(), 0) << "node " << i;
  }

  // One appender (docs/cluster.md): node 0 on a fixed port (it keeps it when restarted), nodes
  // 1 and 2 sending their entries on to it.
  void start_with_appender() {
    const std::uint16_t port = testing::free_ports(1).front();
    start_node(0, {"--listen", "127.0.0.1:" + std::to_string(port)});
    for (std::size_t i = 1; i < 3; ++i) {
      start_node(i, {"--cluster-appender", "http://127.0.0.1:" + std::to_string(port)});
    }
  }

  // One POST /v1/entries of `entry` to node k: its reply on 200; nullopt on no answer or a 5xx
  // (try again), and on a 4xx, which fails the test and sets *refused.
  std::optional<json> post_once(std::size_t k, ByteView entry, bool* refused) {
    HttpClient c(nodes_[k]->port());
    auto r = c.post("/v1/entries", post_body(entry));
    if (!r.ok() || r->status >= 500) return std::nullopt;
    if (r->status != 200) {
      ADD_FAILURE() << "node " << k << " refused an entry: " << r->status << " " << r->body;
      *refused = true;
      return std::nullopt;
    }
    return json::parse(r->body);
  }

  // POSTs entry i of `sim` to node k and expects it stored at index i (not a duplicate) with a
  // receipt for exactly that entry.
  void expect_stored_at(const testing::SimElection& sim, std::size_t k, std::size_t i) {
    HttpClient c(nodes_[k]->port());
    auto r = c.post("/v1/entries", post_body(sim.entries[i]));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u) << "entry " << i << ": " << r->body;
    json j = json::parse(r->body);
    EXPECT_EQ(j["index"], i) << "entry " << i;
    EXPECT_EQ(j["duplicate"], false) << "entry " << i;
    auto receipt = ledger::Receipt::from_json(j["receipt"]);
    ASSERT_TRUE(receipt.ok()) << r->body;
    EXPECT_EQ(receipt->leaf_hash, ledger::leaf_hash(sim.entries[i]));
  }

  // A counter from node k's /metrics, `series` being its name with any labels
  // ("name{label=\"value\"}"); -1 when absent.
  long long counter(std::size_t k, const std::string& series) {
    HttpClient c(nodes_[k]->port());
    std::string metrics = c.get("/metrics")->body;
    auto at = metrics.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(metrics.substr(at + series.size() + 2));
  }

  void run(Kill kill, bool one_appender = false);

  // Ballot `pos` of the simulation with two selections' range proofs swapped, re-signed by its
  // kiosk's key: every cheap rule passes, the proofs do not.
  static Bytes forge_bad_proofs(const testing::SimElection& sim, std::size_t pos) {
    record::Entry e = sim.entry(pos);
    EXPECT_EQ(e.type, record::EntryType::kCastBallot);
    auto body = record::CastBallotBody::decode(e.body);
    EXPECT_TRUE(body.ok());
    auto& selections = body->ballot.contests.at(0).selections;
    EXPECT_GE(selections.size(), 2u);
    std::swap(selections[0].proof, selections[1].proof);
    return record::Entry::make(e.type, e.base_hash, body->encode(), *sim.keys.at(e.author))
        .encode();
  }

  // Posts the election's first `count` entries to node 0 (each must be acknowledged), then waits
  // until node `k` serves all of them.
  void post_setup(const testing::SimElection& sim, std::size_t count, std::size_t k) {
    HttpClient c0(nodes_[0]->port());
    for (std::size_t i = 0; i < count; ++i) {
      auto r = c0.post("/v1/entries", post_body(sim.entries[i]));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200u) << "entry " << i << ": " << r->body;
    }
    HttpClient c(nodes_[k]->port());
    ASSERT_TRUE(
        eventually([&] { return json::parse(c.get("/v1/status")->body)["size"] == json(count); }));
  }

  // Appends `entry` at `position` straight into etcd (etcd's own compare-and-put on the size,
  // bypassing every node); false when the size was not `position`.
  bool put_into_etcd(std::uint64_t position, ByteView entry) {
    auto b64 = [](const std::string& text) { return to_base64(Bytes(text.begin(), text.end())); };
    const std::string prefix = "/tabella/" + origin_ + "/";
    std::string key = std::to_string(position);
    key.insert(0, 20 - key.size(), '0');
    json txn = {
        {"compare",
         {{{"key", b64(prefix + "size")},
           {"target", "VALUE"},
           {"result", "EQUAL"},
           {"value", b64(std::to_string(position))}}}},
        {"success",
         {{{"requestPut", {{"key", b64(prefix + "log/" + key)}, {"value", to_base64(entry)}}}},
          {{"requestPut",
            {{"key", b64(prefix + "size")}, {"value", b64(std::to_string(position + 1))}}}}}}};
    HttpClient etcd(etcd_->client_port(0));
    auto put = etcd.post("/v3/kv/txn", txn.dump());
    EXPECT_TRUE(put.ok());
    if (!put.ok() || put->status != 200u) return false;
    return json::parse(put->body).value("succeeded", false);
  }

  fs::path dir_;
  std::unique_ptr<testing::EtcdCluster> etcd_;
  std::vector<std::unique_ptr<testing::ListeningProcess>> nodes_;
  std::vector<std::vector<std::string>> extra_;
  std::string origin_, authority_;
};

// A whole election through 3 nodes; half-way through the ballots either ledger node 2 or the
// etcd Raft leader is SIGKILLed. Every acknowledged entry must then be stored exactly once, at
// its acknowledged index, on every node, and all nodes serve the same log and checkpoint.
TEST_F(LedgerCluster, ThreeNodesOneKilledEveryAcknowledgedEntryOnceSameCheckpoint) {
  run(Kill::kLedgerNode);
}

TEST_F(LedgerCluster, EtcdLeaderKilledMidStreamEveryAcknowledgedEntryOnceSameCheckpoint) {
  run(Kill::kEtcdLeader);
}

// One appender: nodes 1 and 2 send what they get on to node 0, and node 0 is SIGKILLed half-way
// through the ballots. While it is down they append themselves; it is restarted on its port and
// data dir, catches up, and appends for them again.
TEST_F(LedgerCluster, AppenderKilledMidStreamTheOthersAppendEveryAcknowledgedEntryOnce) {
  run(Kill::kAppender, /*one_appender=*/true);
}

void LedgerCluster::run(Kill kill, bool one_appender) {
  testing::SimOptions o;
  o.kiosks = 2;
  o.ballots = 30;
  o.challenged = 2;
  auto sim = testing::simulate_election(o);
  use_election(sim);
  if (one_appender) {
    start_with_appender();
  } else {
    for (std::size_t i = 0; i < 3; ++i) start_node(i);
  }
  ASSERT_FALSE(HasFailure());
  const std::size_t killed = kill == Kill::kAppender ? 0 : 2;

  std::mutex mu;
  std::map<std::size_t, std::uint64_t> acked;  // sim position -> acknowledged index
  std::atomic<bool> node_dead{false};
  // Submits entry `pos` starting at node `first`, moving on to the next live node on a
  // connection failure or a 5xx; a 4xx is a test failure.
  auto submit = [&](std::size_t pos, std::size_t first) -> bool {
    for (int attempt = 0; attempt < 60; ++attempt) {
      std::size_t k = (first + static_cast<std::size_t>(attempt)) % 3;
      if (k == killed && node_dead) continue;
      bool refused = false;
      auto reply = post_once(k, sim.entries[pos], &refused);
      if (refused) return false;
      if (!reply) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      std::lock_guard<std::mutex> lock(mu);
      acked[pos] = (*reply)["index"];
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
  if (kill == Kill::kLedgerNode || kill == Kill::kAppender) {
    node_dead = true;
    nodes_[killed]->signal_and_wait(SIGKILL);
  } else {
    int l = etcd_->leader();
    ASSERT_GE(l, 0) << "no etcd leader found";
    etcd_->kill(static_cast<std::size_t>(l));  // Raft elects another; the nodes retry
  }
  for (auto& t : writers) t.join();
  ASSERT_FALSE(HasFailure());
  if (kill == Kill::kLedgerNode || kill == Kill::kAppender) {
    // The others acknowledged entries while it was down: it rebuilds them from etcd.
    if (one_appender) {
      EXPECT_GT(counter(1, "tabella_ledger_entries_appended_total") +
                    counter(2, "tabella_ledger_entries_appended_total"),
                0)
          << "nodes 1 and 2 appended nothing themselves while the appender was down";
      // After the first refused connection each left the appender alone for a while (2 s)
      // instead of trying it for every entry.
      const std::string declined = "tabella_ledger_forwarded_total{outcome=\"declined\"}";
      EXPECT_GT(counter(1, declined) + counter(2, declined), 0)
          << "nodes 1 and 2 tried the dead appender for every entry";
    }
    start_node(killed);
    node_dead = false;
  }

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
    const long long node_txns = counter(k, "tabella_ledger_etcd_txns_total");
    EXPECT_GE(node_txns, 0) << "node " << k;
    EXPECT_GE(counter(k, "tabella_ledger_etcd_conflicts_total"), 0) << "node " << k;
    txns += node_txns;
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

// The attacker writes straight into etcd (bypassing every node's ingest) an entry correctly
// signed by an enrolled kiosk, with a valid unspent token and the kiosk's next chain position,
// whose ballot proofs are invalid (two selections' range proofs swapped). Every node applies it
// with the cheap rules (all pass), commits it to its local copy, and finds the proofs bad off the
// commit path: no node serves it (status, entries, receipt, tiles, export) or signs or cosigns a
// checkpoint covering it, and every node says so (/healthz 503 "halted", the metric, the log).
TEST_F(LedgerCluster, AnEntryWithBadProofsWrittenIntoEtcdIsServedByNoNode) {
  auto sim = elect(2, 4);
  for (std::size_t i = 0; i < 3; ++i) start_node(i);
  const std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  const std::size_t honest = first_ballot + 2;  // the setup and two ballots, through the nodes
  for (std::size_t i = 0; i < honest; ++i) {
    bool stored = false;
    for (int attempt = 0; attempt < 100 && !stored; ++attempt) {
      HttpClient c(nodes_[i % 3]->port());
      auto r = c.post("/v1/entries", post_body(sim.entries[i]));
      ASSERT_TRUE(r.ok());
      if (r->status >= 500) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      ASSERT_EQ(r->status, 200u) << "entry " << i << ": " << r->body;
      stored = true;
    }
    ASSERT_TRUE(stored) << i;
  }
  for (std::size_t k = 0; k < 3; ++k) {
    HttpClient c(nodes_[k]->port());
    ASSERT_TRUE(eventually([&] {
      return json::parse(c.get("/v1/status")->body)["size"] == json(honest);
    })) << "node "
        << k;
  }

  // The forged entry: the next ballot of its kiosk with two range proofs swapped, re-signed by
  // the kiosk's key. Appended at position `honest` with etcd's own compare-and-put.
  const Bytes forged = forge_bad_proofs(sim, honest);
  ASSERT_TRUE(put_into_etcd(honest, forged));

  // A checkpoint covering the forged entry, validly signed with the ledger key.
  ledger::MerkleBuilder tree;
  for (std::size_t i = 0; i < honest; ++i) tree.append(ledger::leaf_hash(sim.entries[i]));
  tree.append(ledger::leaf_hash(forged));
  ledger::Note note{ledger::Checkpoint{origin_, honest + 1, tree.root(), {}}.body(), {}};
  note.signatures.push_back(ledger::NoteSigner(origin_, sim.ledger_signing_key()).sign(note.text));
  const std::string covering = ledger::format_note(note);

  for (std::size_t k = 0; k < 3; ++k) {
    HttpClient c(nodes_[k]->port());
    auto metric = [&c](const std::string& name) -> long long {
      std::string text = c.get("/metrics")->body;
      auto at = text.find("\n" + name + " ");
      return at == std::string::npos ? -1 : std::stoll(text.substr(at + name.size() + 2));
    };
    ASSERT_TRUE(eventually([&] { return c.get("/healthz")->status == 503u; })) << "node " << k;
    json health = json::parse(c.get("/healthz")->body);
    EXPECT_EQ(health["status"], "halted") << "node " << k;
    EXPECT_NE(health["reason"].get<std::string>().find("proof"), std::string::npos) << health;
    EXPECT_EQ(metric("tabella_ledger_remote_proof_failures_total"), 1) << "node " << k;
    // The node did fetch and commit it: only the frontier keeps it from being served.
    EXPECT_EQ(metric("tabella_ledger_committed_size"), static_cast<long long>(honest + 1));
    EXPECT_EQ(metric("tabella_ledger_verified_size"), static_cast<long long>(honest));

    EXPECT_EQ(json::parse(c.get("/v1/status")->body)["size"], honest) << "node " << k;
    json page = json::parse(c.get("/v1/entries?start=0&count=1000")->body);
    EXPECT_EQ(page["size"], honest);
    for (const auto& entry : page["entries"]) EXPECT_NE(entry["entry"], to_base64(forged));
    EXPECT_EQ(c.get("/v1/receipt?index=" + std::to_string(honest))->status, 404u);
    EXPECT_EQ(c.get("/tile/entries/000.p/" + std::to_string(honest + 1))->status, 404u);
    // Its signed checkpoint reaches the honest size, never beyond.
    std::string checkpoint;
    EXPECT_TRUE(eventually([&] {
      checkpoint = c.get("/checkpoint")->body;
      return checkpoint.find("\n" + std::to_string(honest) + "\n") != std::string::npos;
    })) << "node "
        << k << ": " << checkpoint;
    // The export: no forged entry, no checkpoint beyond it.
    std::string record = c.get("/v1/export")->body;
    EXPECT_EQ(record.find(to_base64(forged)), std::string::npos) << "node " << k;
    std::istringstream lines(record);
    for (std::string line; std::getline(lines, line);) {
      json j = json::parse(line);
      if (j.contains("index")) {
        EXPECT_LT(j["index"].get<std::uint64_t>(), honest);
      }
      if (j.contains("checkpoint")) {
        std::string n = j["checkpoint"].get<std::string>();
        auto first = n.find('\n');
        EXPECT_LE(std::stoull(n.substr(first + 1)), honest) << "node " << k;
      }
    }
    // The node's own witness refuses to cosign it.
    auto cosign = c.post("/add-checkpoint", "old 0\n\n" + covering);
    ASSERT_TRUE(cosign.ok());
    EXPECT_NE(cosign->status, 200u) << "node " << k << " cosigned: " << cosign->body;
    // It appends nothing more.
    auto next = c.post("/v1/entries", post_body(sim.entries[honest + 1]));
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(next->status, 409u) << next->body;
    // And it says so in its log.
    std::ifstream log(dir_ / ("n" + std::to_string(k) + ".log"));
    std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("event=remote_proof_failed index=" + std::to_string(honest)),
              std::string::npos)
        << "node " << k;
  }
}

// An acknowledged index and duplicate flag.
struct Ack {
  std::uint64_t index = 0;
  bool duplicate = false;
};

// One appender: nodes 1 and 2 send every entry posted to them on to node 0. Two kiosks' ballots
// go to all three nodes at once. Node 0 appends every entry; nodes 1 and 2 append none (so no
// append of theirs can lose an etcd race), and yet each answers with its own receipt for the
// index node 0 stored the entry at. Without --cluster-appender nodes 1 and 2 would append the
// entries posted to them.
TEST_F(LedgerCluster, OneAppenderTheOtherNodesForwardAndAppendNothing) {
  auto sim = elect(2, 24);
  start_with_appender();
  ASSERT_FALSE(HasFailure());
  auto post = [&](std::size_t pos, std::size_t k) -> std::optional<Ack> {
    for (int attempt = 0; attempt < 100; ++attempt) {
      bool refused = false;
      auto reply = post_once(k, sim.entries[pos], &refused);
      if (refused) return std::nullopt;
      if (!reply) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      const json& j = *reply;
      // The receipt is this node's and checks out against the entry.
      auto receipt = ledger::Receipt::from_json(j["receipt"]);
      EXPECT_TRUE(receipt.ok()) << j.dump();
      if (receipt) {
        EXPECT_EQ(receipt->index, j["index"].get<std::uint64_t>());
        EXPECT_EQ(receipt->leaf_hash, ledger::leaf_hash(sim.entries[pos]));
      }
      return Ack{j["index"].get<std::uint64_t>(), j["duplicate"].get<bool>()};
    }
    ADD_FAILURE() << "entry " << pos << " never acknowledged on node " << k;
    return std::nullopt;
  };
  std::map<std::size_t, Ack> acked;
  std::size_t sent_to_others = 0;
  std::mutex mu;
  const std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  for (std::size_t i = 0; i < first_ballot; ++i) {
    auto a = post(i, i % 3);
    ASSERT_TRUE(a) << i;
    acked[i] = *a;
    if (i % 3 != 0) ++sent_to_others;
  }
  std::map<PublicKeyBytes, std::vector<std::size_t>> by_kiosk;
  for (std::size_t i = first_ballot; i < sim.entries.size(); ++i) {
    if (sim.entry(i).type == record::EntryType::kCastBallot) {
      by_kiosk[sim.entry(i).author].push_back(i);
    }
  }
  std::vector<std::thread> writers;
  for (auto& [kiosk, positions] : by_kiosk) {
    writers.emplace_back([&, positions = positions] {
      for (std::size_t j = 0; j < positions.size(); ++j) {
        auto a = post(positions[j], j % 3);
        if (!a) return;
        std::lock_guard<std::mutex> lock(mu);
        acked[positions[j]] = *a;
        if (j % 3 != 0) ++sent_to_others;
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_FALSE(HasFailure());

  std::set<std::uint64_t> indices;
  for (const auto& [pos, a] : acked) {
    EXPECT_FALSE(a.duplicate) << "entry " << pos << " sent once, answered as a duplicate";
    indices.insert(a.index);
  }
  EXPECT_EQ(indices.size(), acked.size()) << "two entries acknowledged at one index";
  EXPECT_EQ(counter(0, "tabella_ledger_entries_appended_total"),
            static_cast<long long>(acked.size()));
  EXPECT_EQ(counter(1, "tabella_ledger_entries_appended_total") +
                counter(2, "tabella_ledger_entries_appended_total"),
            0)
      << "nodes 1 and 2 appended entries themselves";
  const std::string stored = "tabella_ledger_forwarded_total{outcome=\"stored\"}";
  EXPECT_EQ(counter(1, stored) + counter(2, stored), static_cast<long long>(sent_to_others));
  // The ballots they sent on had their proofs checked while node 0 stored them, not again after.
  EXPECT_GT(counter(1, "tabella_ledger_early_proofs_total") +
                counter(2, "tabella_ledger_early_proofs_total"),
            0);
  // The forwarding nodes caught up from their watch (entries included) without asking etcd;
  // the appender watches the size alone, so it never does (docs/cluster.md, "Catching up from the
  // watch").
  const std::string from_watch = "tabella_ledger_etcd_catch_ups_total{source=\"watch\"}";
  EXPECT_GT(counter(1, from_watch), 0);
  EXPECT_GT(counter(2, from_watch), 0);
  EXPECT_EQ(counter(0, from_watch), 0);
  EXPECT_EQ(counter(0, "tabella_ledger_etcd_watch_buffer_bytes"), 0);
  EXPECT_GE(counter(1, "tabella_ledger_etcd_watch_buffer_bytes"), 0);

  // Sending an entry again through a forwarding node: the original index, a duplicate.
  auto again = post(first_ballot, 1);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->index, acked[first_ballot].index);
  EXPECT_TRUE(again->duplicate);
  // Every node serves the same log, each entry once at its acknowledged index.
  for (std::size_t k = 0; k < 3; ++k) {
    HttpClient c(nodes_[k]->port());
    json entries = json::parse(c.get("/v1/entries?start=0&count=1000")->body)["entries"];
    ASSERT_EQ(entries.size(), acked.size()) << "node " << k;
    for (const auto& [pos, a] : acked) {
      EXPECT_EQ(entries[a.index]["entry"], to_base64(sim.entries[pos])) << "node " << k;
    }
  }
}

// A lying appender: it answers every forwarded entry with 200 and index 0 ("already stored")
// without storing anything. The forwarding node does not take its word: its committer does not
// find the entry in the cluster log, so it checks and appends the entry itself and answers with
// the true index and its own receipt.
TEST_F(LedgerCluster, ALyingAppenderStoresNothingTheForwardingNodeAppendsItself) {
  auto sim = elect(1, 3);

  // The liar answers "stored at 0, a duplicate" and stores nothing.
  FakeAppender liar(
      [](const std::string&) { return std::string(R"({"index":0,"duplicate":true})"); });
  start_node(0);
  start_node(1, {"--cluster-appender", liar.url()});
  ASSERT_FALSE(HasFailure());
  const std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  const std::size_t n = first_ballot + 3;
  for (std::size_t i = 0; i < n; ++i) {
    expect_stored_at(sim, 1, i);  // not at the liar's index 0
    ASSERT_FALSE(HasFailure());
  }
  EXPECT_EQ(liar.answered(), static_cast<int>(n)) << "the liar was not asked";
  EXPECT_EQ(counter(1, "tabella_ledger_entries_appended_total"), static_cast<long long>(n));
  // The honest node sees the same log.
  HttpClient c0(nodes_[0]->port());
  json status;
  for (int i = 0; i < 100; ++i) {
    status = json::parse(c0.get("/v1/status")->body);
    if (status["size"] == n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status["size"], n);
}

// A node checks the proofs of a ballot it sends on to the appender while the appender stores it,
// and takes that verdict when the ballot comes back from etcd instead of checking it again. An
// appender that stores a ballot with bad proofs (written straight into etcd) and answers 200 must
// not get it served: the forwarding node's early check fails, so the ballot is checked as any
// remote entry, and the node halts before it, as in AnEntryWithBadProofsWrittenIntoEtcd....
TEST_F(LedgerCluster, AnAppenderStoringABallotWithBadProofsIsCaughtByTheForwardingNode) {
  auto sim = elect(1, 3);
  const std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  const std::size_t honest = first_ballot + 1;  // the setup and one ballot, through node 0
  const Bytes forged = forge_bad_proofs(sim, honest);
  FakeAppender liar([&](const std::string& body) {
    EXPECT_EQ(forwarded_entry(body), forged) << "the liar got another entry";
    EXPECT_TRUE(put_into_etcd(honest, forged));
    return json{{"index", honest}, {"duplicate", false}}.dump();
  });
  start_node(0);
  start_node(1, {"--cluster-appender", liar.url()});
  ASSERT_FALSE(HasFailure());
  post_setup(sim, honest, 1);
  ASSERT_FALSE(HasFailure());
  HttpClient c(nodes_[1]->port());

  auto r = c.post("/v1/entries", post_body(forged));
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->status, 200u) << "the forwarding node acknowledged a ballot with bad proofs: "
                             << r->body;
  EXPECT_EQ(liar.answered(), 1);
  ASSERT_TRUE(eventually([&] { return c.get("/healthz")->status == 503u; }));
  EXPECT_EQ(json::parse(c.get("/healthz")->body)["status"], "halted");
  EXPECT_EQ(counter(1, "tabella_ledger_remote_proof_failures_total"), 1);
  EXPECT_EQ(counter(1, "tabella_ledger_early_proofs_total"), 0);
  EXPECT_EQ(counter(1, "tabella_ledger_early_decodes_total"), 0);
  EXPECT_EQ(json::parse(c.get("/v1/status")->body)["size"], honest);
  EXPECT_EQ(c.get("/v1/receipt?index=" + std::to_string(honest))->status, 404u);
}

// A ballot a node sent on to the appender was decoded and its signature checked when it came in
// (with its proofs, while the appender stored it). When the catch-up brings the same bytes back
// from etcd, the node applies a copy of that instead of decoding them and checking the signature
// again. The appender here stores each ballot only after a pause, so that the node's own check
// has finished by then.
TEST_F(LedgerCluster, ABallotSentOnIsNotDecodedAgainWhenItComesBack) {
  auto sim = elect(1, 2);
  const std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  std::atomic<std::uint64_t> next{first_ballot};
  FakeAppender slow([&](const std::string& body) {
    const Bytes entry = forwarded_entry(body);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const std::uint64_t at = next++;
    EXPECT_TRUE(!entry.empty() && put_into_etcd(at, entry));
    return json{{"index", at}, {"duplicate", false}}.dump();
  });
  start_node(0);
  start_node(1, {"--cluster-appender", slow.url()});
  ASSERT_FALSE(HasFailure());
  post_setup(sim, first_ballot, 1);
  ASSERT_FALSE(HasFailure());
  HttpClient c(nodes_[1]->port());
  const long long decodes_before = counter(1, "tabella_ledger_early_decodes_total");
  std::size_t end = first_ballot;  // the ballots (the simulation closes the polls after them)
  while (end < sim.entries.size() && sim.entry(end).type == record::EntryType::kCastBallot) ++end;
  ASSERT_EQ(end - first_ballot, 2u);
  for (std::size_t i = first_ballot; i < end; ++i) {
    expect_stored_at(sim, 1, i);
    ASSERT_FALSE(HasFailure());
  }
  const auto ballots = static_cast<long long>(end - first_ballot);
  // (Its count goes up just after it writes the answer.)
  EXPECT_TRUE(eventually([&] { return slow.answered() == ballots; })) << slow.answered();
  EXPECT_EQ(counter(1, "tabella_ledger_early_proofs_total"), ballots);
  EXPECT_EQ(counter(1, "tabella_ledger_early_decodes_total") - decodes_before, ballots)
      << "the ballots were decoded again when they came back from the cluster log";
  // Both nodes serve the same log.
  HttpClient c0(nodes_[0]->port());
  ASSERT_TRUE(
      eventually([&] { return json::parse(c0.get("/v1/status")->body)["size"] == json(end); }));
  EXPECT_EQ(json::parse(c0.get("/v1/entries?start=0&count=1000")->body)["entries"],
            json::parse(c.get("/v1/entries?start=0&count=1000")->body)["entries"]);
}

// An appender whose 200 carries no index (not JSON here) gives no usable answer: the forwarding
// node handles every entry itself, and counts each as "failed", not as stored by the appender.
TEST_F(LedgerCluster, AnAppenderReplyWithoutAnIndexIsNoAnswer) {
  auto sim = elect(1, 2);
  FakeAppender garbled([](const std::string&) { return std::string("stored, trust me"); });
  start_node(0);
  start_node(1, {"--cluster-appender", garbled.url()});
  ASSERT_FALSE(HasFailure());
  const std::size_t n = sim.find(record::EntryType::kCastBallot) + 2;
  for (std::size_t i = 0; i < n; ++i) {
    bool refused = false;
    auto reply = post_once(1, sim.entries[i], &refused);
    ASSERT_TRUE(reply) << "entry " << i;
    EXPECT_EQ((*reply)["index"], i);
  }
  EXPECT_EQ(garbled.answered(), static_cast<int>(n));
  EXPECT_EQ(counter(1, "tabella_ledger_forwarded_total{outcome=\"failed\"}"),
            static_cast<long long>(n));
  EXPECT_EQ(counter(1, "tabella_ledger_forwarded_total{outcome=\"stored\"}"), 0);
  EXPECT_EQ(counter(1, "tabella_ledger_entries_appended_total"), static_cast<long long>(n));
}

}  // namespace
}  // namespace tabella
