// The real tabella-ledger running a small election and a real `tabella-ledger witness --ledger
// URL` following it: the witness replays the log, cosigns the ledger's checkpoint (checked with
// check_cosignature_quorum against the witness's verifier key) and shows its size on
// /witness/status; a checkpoint of the same size signed by the same ledger key over a rewritten
// entry is refused (409, a proven fork) and kept as evidence on /witness/status.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/election_sim.h"
#include "support/http_client.h"
#include "support/ledger_args.h"
#include "support/ledger_feed.h"
#include "support/listening_process.h"
#include "support/temp_dir.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/merkle.h"
#include "tabella/ledger/note.h"
#include "tabella/ledger/witness.h"

namespace tabella {
namespace {

using nlohmann::json;
using testing::entry_post_body;
using testing::HttpClient;
using testing::TempDir;

using Process = testing::ListeningProcess;

TEST(WitnessLedgerTest, FollowsCosignsAndKeepsEvidenceOfAFork) {
  testing::SimOptions o;
  o.kiosks = 1;
  o.ballots = 4;
  o.challenged = 1;
  auto sim = testing::simulate_election(o);
  TempDir dir;
  auto ledger_dir = dir.path() / "ledger";
  std::filesystem::create_directories(ledger_dir);
  const SigningKey& ledger_key = sim.ledger_signing_key();
  ASSERT_TRUE(ledger_key.save_pem((ledger_dir / "ledger.key").string()).ok());
  const std::string origin = sim.manifest.origin;

  Process ledger(
      testing::ledger_command(testing::election_ledger_args(TABELLA_LEDGER_BIN, ledger_dir, sim)));
  ASSERT_NE(ledger.port(), 0);
  HttpClient client(ledger.port());
  for (std::size_t i = 0; i < sim.entries.size(); ++i) {
    auto r = client.post("/v1/entries", entry_post_body(sim.entries[i]));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u) << i << ": " << r->body;
  }
  const std::uint64_t n = sim.entries.size();
  // The ledger's checkpoint at the full size.
  std::string checkpoint;
  for (int i = 0; i < 100; ++i) {
    auto r = client.get("/checkpoint");
    ASSERT_TRUE(r.ok());
    checkpoint = r->body;
    auto note = ledger::parse_note(checkpoint);
    ASSERT_TRUE(note.ok());
    if (ledger::Checkpoint::parse(note->text)->size == n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto log_verifier = ledger::NoteVerifier::from_verifier_key(sim.ledger_key);
  ASSERT_TRUE(log_verifier.ok());
  auto cp = ledger::open_checkpoint(checkpoint, *log_verifier);
  ASSERT_TRUE(cp.ok()) << cp.error().describe();
  ASSERT_EQ(cp->size, n);

  Process witness({TABELLA_LEDGER_BIN, "witness", "--ledger",
                   "http://127.0.0.1:" + std::to_string(ledger.port()), "--listen", "127.0.0.1:0",
                   "--data-dir", (dir.path() / "witness").string(), "--name", "test-witness",
                   "--poll", "100ms"});
  ASSERT_NE(witness.port(), 0);
  HttpClient wclient(witness.port());
  // The follower replays the election and cosigns the checkpoint itself.
  json status;
  for (int i = 0; i < 200; ++i) {
    auto r = wclient.get("/witness/status");
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u);
    status = json::parse(r->body);
    if (status["logs"].size() == 1 && status["logs"][0]["size"] == n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(status["logs"].size(), 1u) << status.dump();
  EXPECT_EQ(status["logs"][0]["origin"], origin);
  EXPECT_EQ(status["logs"][0]["size"], n) << status.dump();
  EXPECT_EQ(status["logs"][0]["root"], to_hex(ByteView(cp->root.data(), cp->root.size())));
  EXPECT_EQ(status["follower"]["replayed"], n);
  EXPECT_EQ(status["forked"], false);
  auto cosigner =
      ledger::CosignatureVerifier::from_verifier_key(status["verifier_key"].get<std::string>());
  ASSERT_TRUE(cosigner.ok()) << cosigner.error().describe();
  std::vector<ledger::CosignatureVerifier> witnesses{*cosigner};
  EXPECT_FALSE(ledger::check_cosignature_quorum(checkpoint, witnesses, 1).ok());

  // The ledger's checkpoint through /add-checkpoint: old = the witness's size, no proof needed.
  ledger::AddCheckpointRequest req{n, {}, checkpoint};
  auto r = wclient.post("/add-checkpoint", ledger::format_add_checkpoint(req));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200u) << r->body;
  auto cosigned = ledger::add_signature_lines(checkpoint, r->body);
  ASSERT_TRUE(cosigned.ok()) << cosigned.error().describe();
  EXPECT_TRUE(ledger::check_cosignature_quorum(*cosigned, witnesses, 1).ok());
  EXPECT_FALSE(ledger::check_cosignature_quorum(*cosigned, witnesses, 2).ok());
  // A wrong old size is answered with the witness's size.
  req.old_size = n - 1;
  r = wclient.post("/add-checkpoint", ledger::format_add_checkpoint(req));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 409u);
  EXPECT_EQ(r->body, std::to_string(n) + "\n");

  // A fork: the same size, the same ledger key, one ballot rewritten.
  std::size_t ballot = sim.find(record::EntryType::kCastBallot);
  ledger::MemoryHashStore tree;
  for (std::size_t i = 0; i < sim.entries.size(); ++i) {
    Bytes e = sim.entries[i];
    if (i == ballot) e.back() ^= 1;
    tree.append_entry(e);
  }
  ASSERT_NE(tree.root(), cp->root);
  ledger::Checkpoint forked{origin, n, tree.root(), {}};
  ledger::Note note{forked.body(), {}};
  note.signatures.push_back(ledger::NoteSigner(origin, ledger_key).sign(note.text));
  std::string forked_note = ledger::format_note(note);
  ASSERT_TRUE(ledger::open_checkpoint(forked_note, *log_verifier).ok());
  r = wclient.post("/add-checkpoint",
                   ledger::format_add_checkpoint(ledger::AddCheckpointRequest{n, {}, forked_note}));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->status == 409u || r->status == 422u) << r->status << " " << r->body;

  status = json::parse(wclient.get("/witness/status")->body);
  EXPECT_EQ(status["forked"], true) << status.dump();
  EXPECT_EQ(status["suspicious"], true);
  ASSERT_EQ(status["evidence"].size(), 1u) << status.dump();
  EXPECT_EQ(status["evidence"][0]["offered"], forked_note);
  EXPECT_EQ(status["evidence"][0]["proven"], true);
  EXPECT_EQ(status["evidence"][0]["origin"], origin);
  // The witness still holds the true checkpoint.
  EXPECT_EQ(status["logs"][0]["size"], n);
  EXPECT_EQ(status["logs"][0]["root"], to_hex(ByteView(cp->root.data(), cp->root.size())));
}

// A ledger node as a witness of its own log (--node-witness): it cosigns the log's checkpoint,
// and a checkpoint of the same size over a rewritten entry — validly signed with the ledger key,
// as a compromised node would sign it — is refused and kept as proven evidence.
TEST(WitnessLedgerTest, LedgerNodeWitnessCosignsOnlyItsOwnRoot) {
  testing::SimOptions o;
  o.kiosks = 1;
  o.ballots = 3;
  o.challenged = 0;
  auto sim = testing::simulate_election(o);
  TempDir dir;
  const SigningKey& ledger_key = sim.ledger_signing_key();
  ASSERT_TRUE(ledger_key.save_pem((dir.path() / "ledger.key").string()).ok());
  const std::string origin = sim.manifest.origin;
  auto args = testing::election_ledger_args(TABELLA_LEDGER_BIN, dir.path(), sim);
  args.extra = {"--node-witness", "node-witness.example"};
  Process ledger(testing::ledger_command(args));
  ASSERT_NE(ledger.port(), 0);
  HttpClient client(ledger.port());
  for (const auto& e : sim.entries) {
    auto r = client.post("/v1/entries", entry_post_body(e));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u) << r->body;
  }
  const std::uint64_t n = sim.entries.size();
  std::string checkpoint;
  for (int i = 0; i < 100; ++i) {
    checkpoint = client.get("/checkpoint")->body;
    if (ledger::Checkpoint::parse(ledger::parse_note(checkpoint)->text)->size == n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  json status = json::parse(client.get("/witness/status")->body);
  EXPECT_EQ(status["name"], "node-witness.example");
  auto cosigner =
      ledger::CosignatureVerifier::from_verifier_key(status["verifier_key"].get<std::string>());
  ASSERT_TRUE(cosigner.ok()) << status.dump();
  std::vector<ledger::CosignatureVerifier> witnesses{*cosigner};

  // First, the same size over a rewritten ballot, signed with the ledger key (as a compromised
  // node or a rewritten copy would sign it): the witness has cosigned nothing yet, so only its
  // root check (this node's own tree) can refuse it.
  ledger::MemoryHashStore tree;
  std::size_t ballot = sim.find(record::EntryType::kCastBallot);
  for (std::size_t i = 0; i < sim.entries.size(); ++i) {
    Bytes e = sim.entries[i];
    if (i == ballot) e.back() ^= 1;
    tree.append_entry(e);
  }
  ledger::Note note{ledger::Checkpoint{origin, n, tree.root(), {}}.body(), {}};
  note.signatures.push_back(ledger::NoteSigner(origin, ledger_key).sign(note.text));
  auto forged =
      ledger::format_add_checkpoint(ledger::AddCheckpointRequest{0, {}, ledger::format_note(note)});
  auto r = client.post("/add-checkpoint", forged);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 409u) << r->body;

  // The log's real checkpoint is cosigned.
  r = client.post("/add-checkpoint",
                  ledger::format_add_checkpoint(ledger::AddCheckpointRequest{0, {}, checkpoint}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->status, 200u) << r->body;
  auto cosigned = ledger::add_signature_lines(checkpoint, r->body);
  ASSERT_TRUE(cosigned.ok());
  EXPECT_TRUE(ledger::check_cosignature_quorum(*cosigned, witnesses, 1).ok());
  status = json::parse(client.get("/witness/status")->body);
  EXPECT_EQ(status["forked"], true) << status.dump();
  EXPECT_EQ(status["logs"][0]["size"], n);
}

}  // namespace
}  // namespace tabella
