// tabella-verify against a real tabella-ledger on 127.0.0.1: given the ledger's URL it fetches the
// export (streamed to a file), verifies it and checks the ledger's current checkpoint against it
// (check 36). A record of one history checked against a ledger that serves another history of the
// same election (same keys, other ballots) is refused with check 36, exit 1.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/election_sim.h"
#include "support/http_client.h"
#include "support/listening_process.h"
#include "support/temp_dir.h"
#include "tabella/ledger/checkpoint.h"
#include "tabella/ledger/note.h"

namespace tabella {
namespace {

using nlohmann::json;
using testing::HttpClient;
using testing::TempDir;

struct RunResult {
  int exit_code = -1;
  std::string out;
};

RunResult run_verify(const std::string& args, const std::filesystem::path& dir) {
  auto out = dir / "verify.out";
  std::string cmd = std::string(TABELLA_VERIFY_BIN) + " " + args + " > " + out.string() + " 2>&1";
  int st = std::system(cmd.c_str());
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, text.str()};
}

// A real ledger holding the whole simulated election, with a checkpoint at its full size.
class Ledger {
 public:
  Ledger(const std::filesystem::path& dir, const testing::SimElection& sim) {
    std::filesystem::create_directories(dir);
    EXPECT_TRUE(sim.ledger_signing_key().save_pem((dir / "ledger.key").string()).ok());
    process_ = std::make_unique<testing::ListeningProcess>(std::vector<std::string>{
        TABELLA_LEDGER_BIN, "--listen", "127.0.0.1:0", "--data-dir", dir.string(), "--origin",
        sim.manifest.origin, "--authority-key", to_hex(sim.authority), "--threads", "2",
        "--checkpoint-interval", "100ms"});
    HttpClient client(port());
    for (std::size_t i = 0; i < sim.entries.size(); ++i) {
      auto r = client.post("/v1/entries", json{{"entry", to_base64(sim.entries[i])}}.dump());
      EXPECT_TRUE(r.ok());
      EXPECT_EQ(r->status, 200u) << i << ": " << r->body;
    }
    // Wait for the checkpoint at the full size (the export ends with it).
    for (int i = 0; i < 200; ++i) {
      auto note = ledger::parse_note(client.get("/checkpoint")->body);
      if (note.ok() && ledger::Checkpoint::parse(note->text)->size == sim.entries.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::uint16_t port() const { return process_->port(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }

 private:
  std::unique_ptr<testing::ListeningProcess> process_;
};

testing::SimElection election(std::uint32_t ballots) {
  testing::SimOptions o;
  o.kiosks = 1;
  o.ballots = ballots;
  o.challenged = 1;
  o.seed = "verify-url";  // the same keys for any number of ballots: two histories of one election
  return testing::simulate_election(o);
}

TEST(VerifyUrlTest, FetchesTheRecordAndChecksTheLedgersCheckpoint) {
  TempDir dir;
  const auto sim = election(4);
  Ledger ledger(dir.path() / "ledger", sim);
  ASSERT_NE(ledger.port(), 0);

  RunResult r = run_verify(ledger.url(), dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("fetching the record from " + ledger.url()), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("36 ledger-consistency"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("[ ok ] 36"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("VERIFIED"), std::string::npos) << r.out;

  // The same with /v1/export named, as JSON, keeping the record.
  auto saved = dir.path() / "saved.jsonl";
  r = run_verify("--json --save " + saved.string() + " " + ledger.url() + "/v1/export", dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["identity"]["q"], to_hex(sim.q));
  EXPECT_EQ(j["identity"]["final_checkpoint"]["size"], sim.entries.size());
  ASSERT_TRUE(std::filesystem::exists(saved));

  // The saved record against the live ledger (--ledger): one history.
  r = run_verify("-q --ledger " + ledger.url() + " " + saved.string(), dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.out;

  // Nothing listens: exit 2 with the reason.
  r = run_verify("http://127.0.0.1:1", dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("cannot fetch the record"), std::string::npos) << r.out;
}

TEST(VerifyUrlTest, ARecordOfAnotherHistoryIsRefused) {
  TempDir dir;
  const auto real = election(4);
  const auto other = election(5);  // same authority, ledger and kiosk keys; other ballots
  ASSERT_EQ(real.q, other.q);
  Ledger a(dir.path() / "a", real);
  Ledger b(dir.path() / "b", other);
  ASSERT_NE(a.port(), 0);
  ASSERT_NE(b.port(), 0);
  auto saved = dir.path() / "a.jsonl";
  RunResult r = run_verify("-q --save " + saved.string() + " " + a.url(), dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Each history verifies on its own; against the other ledger's checkpoint it is a fork.
  r = run_verify("--ledger " + b.url() + " " + saved.string(), dir.path());
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("check 36"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not one history"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("NOT VERIFIED"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tabella
