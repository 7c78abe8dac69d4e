// One cosigning path for a cluster (docs/cluster.md section 4): three real `tabella-ledger
// --cluster` nodes on a real 3-member etcd, each given the same three real `tabella-ledger
// witness` processes (witness i follows node i, polling only every 30 s, so every cosignature
// comes from a push and the witness's on-demand catch-up), manifest quorum 2.
//   - Receipts from all three nodes carry a quorum of valid cosignatures while exactly one node
//     talks to the witnesses (the others' per-witness counters stay 0; they take the shared note).
//   - The pushing node SIGKILLed: another takes over (its lease expired) and the receipts of the
//     other two nodes keep carrying a quorum.
//   - An attacker writes cosigned notes into etcd directly (wrong root, a forged cosignature
//     line, a size beyond the log; each validly signed by the ledger key, the first and the last
//     also by two real witness keys): no node serves any of them, each node counts and logs each
//     refusal, and the cluster's cosigning goes on afterwards.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/election_sim.h"
#include "support/etcd_cluster.h"
#include "support/eventually.h"
#include "support/http_client.h"
#include "support/ledger_feed.h"
#include "support/listening_process.h"
#include "support/test_witness.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/receipt.h"
#include "tabella/ledger/witness.h"

namespace tabella {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;
using testing::HttpClient;

using testing::eventually;

class ClusterCosign : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(TABELLA_ETCD_BIN)) GTEST_SKIP() << "etcd not installed";
    dir_ = fs::temp_directory_path() / ("tabella-cluster-cosign-" + std::to_string(getpid()));
    auto started = testing::EtcdCluster::start_fresh(TABELLA_ETCD_BIN, dir_);
    ASSERT_TRUE(started.ok()) << started.error().describe();
    etcd_ = std::move(*started);

    std::vector<testing::ManifestWitness> members;
    for (int i = 0; i < 3; ++i) {
      witnesses_.push_back(testing::TestWitness::make("w" + std::to_string(i) + ".witness.test",
                                                      dir_ / ("w" + std::to_string(i))));
      members.push_back({witnesses_.back().name, witnesses_.back().verifier_key});
      auto v = ledger::CosignatureVerifier::from_verifier_key(witnesses_.back().verifier_key);
      ASSERT_TRUE(v.ok());
      verifiers_.push_back(*v);
    }
    testing::SimOptions so;
    so.kiosks = 2;
    so.ballots = 10;
    so.challenged = 0;
    so.finish = false;
    so.seed = "cluster-cosign";
    so.manifest_file =
        testing::witnessed_manifest(TABELLA_SOURCE_DIR, dir_ / "manifest.json", members, 2);
    sim_ = testing::simulate_election(so);
    origin_ = sim_.manifest.origin;
    auto lv = ledger::NoteVerifier::from_verifier_key(sim_.ledger_key);
    ASSERT_TRUE(lv.ok());
    log_verifier_.emplace(*lv);
    policy_.witnesses = verifiers_;
    policy_.quorum = 2;
    for (std::size_t i = 0; i < 3; ++i) {
      auto data = dir_ / ("n" + std::to_string(i));
      fs::create_directories(data);
      ASSERT_TRUE(sim_.ledger_signing_key().save_pem((data / "ledger.key").string()).ok());
    }
    for (std::size_t i = 0; i < 3; ++i) start_node(i);
    for (std::size_t i = 0; i < 3; ++i) witnesses_[i].start(TABELLA_LEDGER_BIN, nodes_[i]->port());
  }

  void TearDown() override {
    for (auto& w : witnesses_) w.process.reset();
    nodes_.clear();
    etcd_.reset();
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }

  void start_node(std::size_t i) {
    if (nodes_.size() <= i) nodes_.resize(i + 1);
    auto options = testing::ListeningProcess::kill_at_end();
    options.log_file = log_path(i).string();
    std::vector<std::string> args{TABELLA_LEDGER_BIN,
                                  "--listen",
                                  "127.0.0.1:0",
                                  "--data-dir",
                                  (dir_ / ("n" + std::to_string(i))).string(),
                                  "--origin",
                                  origin_,
                                  "--authority-key",
                                  to_hex(sim_.authority),
                                  "--threads",
                                  "2",
                                  "--checkpoint-interval",
                                  "100ms",
                                  "--cosign-wait",
                                  "15s",
                                  "--cluster",
                                  etcd_->ledger_url()};
    for (const auto& w : witnesses_) {
      args.push_back("--witness");
      args.push_back(w.url());
    }
    nodes_[i] = std::make_unique<testing::ListeningProcess>(std::move(args), std::move(options));
    ASSERT_NE(nodes_[i]->port(), 0) << "node " << i;
  }

  fs::path log_path(std::size_t i) const { return dir_ / ("n" + std::to_string(i) + ".log"); }

  // POSTs entry `pos` to node `k` (retrying on 5xx); the reply's receipt must carry a quorum of
  // valid cosignatures and verify for the entry.
  void submit_cosigned(std::size_t pos, std::size_t k) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      HttpClient c(nodes_[k]->port());
      auto r = c.post("/v1/entries", testing::entry_post_body(sim_.entries[pos]));
      ASSERT_TRUE(r.ok()) << "node " << k;
      if (r->status >= 500) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      ASSERT_EQ(r->status, 200u) << "entry " << pos << " on node " << k << ": " << r->body;
      json receipt = json::parse(r->body)["receipt"];
      EXPECT_EQ(receipt["cosigned"], true)
          << "entry " << pos << " on node " << k << ": " << r->body;
      auto parsed = ledger::Receipt::from_json(receipt);
      ASSERT_TRUE(parsed.ok()) << parsed.error().describe();
      ledger::LogTrust trust{*log_verifier_, origin_, policy_};
      auto check = ledger::check_receipt(*parsed, sim_.entries[pos], trust);
      EXPECT_TRUE(check.final()) << "entry " << pos << " on node " << k << ": " << check.detail;
      EXPECT_TRUE(ledger::check_cosignature_quorum(parsed->checkpoint, verifiers_, 2).ok());
      return;
    }
    FAIL() << "entry " << pos << " never accepted by node " << k;
  }

  std::string metrics(std::size_t k) {
    HttpClient c(nodes_[k]->port());
    auto r = c.get("/metrics");
    return r.ok() ? r->body : std::string();
  }
  // The value of an unlabelled metric, or the sum over a labelled one's lines; -1 if absent.
  static long long metric(const std::string& text, const std::string& name) {
    long long sum = -1;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name, 0) != 0) continue;
      char next = line.size() > name.size() ? line[name.size()] : '\0';
      if (next != ' ' && next != '{') continue;
      sum = std::max(sum, 0LL) + std::stoll(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }
  // Witness submissions this node made (cosignatures collected plus failed, every witness).
  long long pushes(std::size_t k) {
    return metric(metrics(k), "tabella_ledger_cosignatures_total");
  }
  // The node that pushes (the one whose tabella_ledger_cosign_pushing is 1); -1 if none.
  int pusher() {
    for (std::size_t k = 0; k < nodes_.size(); ++k) {
      if (nodes_[k] && metric(metrics(k), "tabella_ledger_cosign_pushing") == 1) {
        return static_cast<int>(k);
      }
    }
    return -1;
  }

  // Writes `note` straight into etcd as the shared cosigned checkpoint (bypassing every node).
  void put_shared(const std::string& note) {
    auto b64 = [](const std::string& t) { return to_base64(Bytes(t.begin(), t.end())); };
    HttpClient etcd(etcd_->client_port(0));
    auto put = etcd.post(
        "/v3/kv/put",
        json{{"key", b64("/tabella/" + origin_ + "/cosigned")}, {"value", b64(note)}}.dump());
    ASSERT_TRUE(put.ok());
    ASSERT_EQ(put->status, 200u) << put->body;
  }

  // A checkpoint note of (size, root) signed by the ledger key, cosigned by witnesses `by`.
  std::string signed_note(std::uint64_t size, const ledger::Hash& root,
                          const std::vector<std::size_t>& by) {
    ledger::Note note{ledger::Checkpoint{origin_, size, root, {}}.body(), {}};
    note.signatures.push_back(
        ledger::NoteSigner(origin_, sim_.ledger_signing_key()).sign(note.text));
    const auto now = static_cast<std::uint64_t>(std::time(nullptr));
    for (std::size_t w : by) {
      note.signatures.push_back(
          ledger::CosignatureSigner(witnesses_[w].name, *witnesses_[w].key).sign(note.text, now));
    }
    return ledger::format_note(note);
  }

  fs::path dir_;
  std::unique_ptr<testing::EtcdCluster> etcd_;
  std::vector<std::unique_ptr<testing::ListeningProcess>> nodes_;
  std::vector<testing::TestWitness> witnesses_;
  std::vector<ledger::CosignatureVerifier> verifiers_;
  testing::SimElection sim_;
  std::string origin_;
  std::optional<ledger::NoteVerifier> log_verifier_;
  ledger::WitnessPolicy policy_;
};

TEST_F(ClusterCosign, OneNodePushesEveryNodeServesTheQuorumAndAnotherTakesOverWhenItDies) {
  const std::size_t first_ballot = sim_.find(record::EntryType::kCastBallot);
  const std::size_t half = first_ballot + 4;
  std::size_t pos = 0;
  for (; pos < half; ++pos) {
    submit_cosigned(pos, pos % 3);
    ASSERT_FALSE(HasFailure()) << "entry " << pos;
  }

  // Exactly one node talked to the witnesses; the others took its cosigned notes.
  const int p = pusher();
  ASSERT_GE(p, 0) << "no node reports tabella_ledger_cosign_pushing 1";
  for (std::size_t k = 0; k < 3; ++k) {
    std::string text = metrics(k);
    EXPECT_EQ(metric(text, "tabella_ledger_shared_cosigned_refused_total"), 0) << "node " << k;
    HttpClient c(nodes_[k]->port());
    auto witnesses = c.get("/v1/witnesses");
    ASSERT_TRUE(witnesses.ok());
    EXPECT_EQ(json::parse(witnesses->body)["pushing"], static_cast<int>(k) == p) << "node " << k;
    if (static_cast<int>(k) == p) {
      EXPECT_GT(metric(text, "tabella_ledger_cosignatures_total"), 0) << text;
      EXPECT_GT(metric(text, "tabella_ledger_shared_cosigned_published_total"), 0) << text;
      continue;
    }
    EXPECT_EQ(metric(text, "tabella_ledger_cosign_pushing"), 0) << "node " << k;
    EXPECT_EQ(metric(text, "tabella_ledger_cosignatures_total"), 0)
        << "node " << k << " pushed to the witnesses too:\n"
        << text;
    EXPECT_GT(metric(text, "tabella_ledger_shared_cosigned_adopted_total"), 0) << "node " << k;
    // The old scrape path still answers with the same counters.
    auto old = c.get("/metrics/witnesses");
    ASSERT_TRUE(old.ok());
    EXPECT_EQ(metric(old->body, "tabella_ledger_cosignatures_total"), 0);
    // GET /checkpoint is cosigned too.
    auto cp = c.get("/checkpoint");
    ASSERT_TRUE(cp.ok());
    EXPECT_TRUE(ledger::check_cosignature_quorum(cp->body, verifiers_, 2).ok()) << cp->body;
  }

  // The pusher dies: its lease expires, another node campaigns and pushes.
  nodes_[static_cast<std::size_t>(p)]->signal_and_wait(SIGKILL);
  nodes_[static_cast<std::size_t>(p)].reset();
  std::vector<std::size_t> alive;
  for (std::size_t k = 0; k < 3; ++k) {
    if (static_cast<int>(k) != p) alive.push_back(k);
  }
  const auto killed_at = std::chrono::steady_clock::now();
  submit_cosigned(pos, alive[0]);
  ++pos;
  std::printf("first receipt after the pusher was killed: %.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count());
  ASSERT_FALSE(HasFailure());
  for (; pos < half + 4; ++pos) {
    submit_cosigned(pos, alive[pos % 2]);
    ASSERT_FALSE(HasFailure()) << "entry " << pos;
  }
  const int q = pusher();
  ASSERT_GE(q, 0) << "no node took over";
  EXPECT_NE(q, p);
  EXPECT_GT(pushes(static_cast<std::size_t>(q)), 0);
  for (std::size_t k : alive) {
    if (static_cast<int>(k) == q) continue;
    EXPECT_EQ(pushes(k), 0) << "node " << k << " pushed although " << q << " is the pusher";
  }
}

TEST_F(ClusterCosign, BadSharedCosignedNotesAreServedByNoNode) {
  const std::size_t first_ballot = sim_.find(record::EntryType::kCastBallot);
  const std::size_t honest = first_ballot + 2;
  for (std::size_t pos = 0; pos < honest; ++pos) {
    submit_cosigned(pos, pos % 3);
    ASSERT_FALSE(HasFailure()) << "entry " << pos;
  }
  // Every node holds the cosigned checkpoint of the whole log.
  for (std::size_t k = 0; k < 3; ++k) {
    ASSERT_TRUE(eventually([&] {
      return metric(metrics(k), "tabella_ledger_cosigned_size") == static_cast<long long>(honest);
    })) << "node "
        << k;
  }
  // The witnesses stop answering (SIGSTOP); one more entry is committed but not cosigned yet:
  // its client waits for the cosignature (in the background) while the attacks run, so an
  // attack note that a node took would be newer than its cosigned one and be served at once.
  std::string served_before;
  {
    HttpClient c(nodes_[0]->port());
    served_before = c.get("/checkpoint")->body;
  }
  for (auto& w : witnesses_) ASSERT_EQ(::kill(w.process->pid(), SIGSTOP), 0);
  std::thread waiting([&] { submit_cosigned(honest, 0); });
  // Whatever happens below: the witnesses resume and the client is joined.
  auto resume = [&] {
    for (auto& w : witnesses_) {
      if (w.process) ::kill(w.process->pid(), SIGCONT);
    }
    if (waiting.joinable()) waiting.join();
  };
  struct Finally {
    std::function<void()> f;
    ~Finally() { f(); }
  } finally{resume};
  const std::size_t size = honest + 1;
  for (std::size_t k = 0; k < 3; ++k) {
    HttpClient c(nodes_[k]->port());
    EXPECT_TRUE(eventually([&] {
      return json::parse(c.get("/v1/status")->body)["size"] == json(size);
    })) << "node "
        << k;
  }
  ledger::MerkleBuilder tree;
  for (std::size_t i = 0; i < size; ++i) tree.append(ledger::leaf_hash(sim_.entries[i]));
  const ledger::Hash root = tree.root();
  ledger::Hash wrong = root;
  wrong[0] ^= 1;
  struct Attack {
    const char* what;
    std::string note;
    const char* reason;  // in the refusal's log line
  };
  // A forged cosignature line: witness 1's name and key id with a signature over nothing.
  std::string forged = signed_note(size, root, {0});
  {
    auto note = ledger::parse_note(signed_note(size, root, {1}));
    ASSERT_TRUE(note.ok());
    ledger::NoteSignature line = note->signatures.back();
    line.signature[line.signature.size() - 1] ^= 0x55;
    auto with = ledger::parse_note(forged);
    ASSERT_TRUE(with.ok());
    with->signatures.push_back(line);
    forged = ledger::format_note(*with);
  }
  const std::vector<Attack> attacks{
      {"wrong root", signed_note(size, wrong, {0, 1}), "differs from this node's tree"},
      {"forged cosignature line", forged, "cosign"},
      {"size beyond the log", signed_note(size + 5, wrong, {0, 1}), "beyond the cluster log"},
  };
  for (std::size_t a = 0; a < attacks.size(); ++a) {
    SCOPED_TRACE(attacks[a].what);
    put_shared(attacks[a].note);
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_TRUE(eventually([&] {
        return metric(metrics(k), "tabella_ledger_shared_cosigned_refused_total") ==
               static_cast<long long>(a + 1);
      })) << "node "
          << k << " did not refuse it:\n"
          << metrics(k);
      HttpClient c(nodes_[k]->port());
      std::string cp = c.get("/checkpoint")->body;
      EXPECT_NE(cp, attacks[a].note) << "node " << k;
      EXPECT_EQ(cp, served_before) << "node " << k;
      auto receipt = c.get("/v1/receipt?index=" + std::to_string(honest - 1));
      ASSERT_TRUE(receipt.ok());
      EXPECT_EQ(json::parse(receipt->body)["checkpoint"], served_before) << "node " << k;
      EXPECT_EQ(metric(metrics(k), "tabella_ledger_cosigned_size"), static_cast<long long>(honest));
      std::ifstream log(log_path(k));
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      auto at = text.rfind("event=shared_cosigned_refused");
      ASSERT_NE(at, std::string::npos) << "node " << k;
      EXPECT_NE(text.find(attacks[a].reason, at), std::string::npos)
          << "node " << k << ": " << text.substr(at, 400);
    }
  }
  // The witnesses answer again: the waiting client gets an honest cosigned receipt; the export
  // carries no attack note.
  resume();
  ASSERT_FALSE(HasFailure());
  for (std::size_t k = 0; k < 3; ++k) {
    HttpClient c(nodes_[k]->port());
    std::string record = c.get("/v1/export")->body;
    for (const auto& attack : attacks) {
      EXPECT_EQ(record.find(json(attack.note).dump()), std::string::npos) << "node " << k;
    }
  }
  // The cluster goes on: the pusher replaces the bad note, every node takes the next ones.
  for (std::size_t pos = size; pos < size + 3; ++pos) {
    submit_cosigned(pos, pos % 3);
    ASSERT_FALSE(HasFailure()) << "entry " << pos;
  }
  for (std::size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(metric(metrics(k), "tabella_ledger_shared_cosigned_refused_total"), 3)
        << "node " << k;
  }
}

}  // namespace
}  // namespace tabella
