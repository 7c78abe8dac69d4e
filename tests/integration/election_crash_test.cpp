// The real tabella-ledger binary running an election: setup entries, then real ballots from
// two kiosks on two connections, SIGKILL mid-stream, restart on the same data dir. Every
// acknowledged ballot must be stored at its acknowledged index; the rest of the election is then
// submitted (resubmissions are idempotent) and the exported record must pass tabella-verify's
// engine.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/election_sim.h"
#include "support/http_client.h"
#include "support/ledger_args.h"
#include "support/ledger_feed.h"
#include "support/listening_process.h"
#include "support/temp_dir.h"
#include "support/verify_export.h"
#include "tabella/server/sqlite_storage.h"

namespace tabella {
namespace {

using nlohmann::json;
using testing::entry_post_body;
using testing::HttpClient;
using testing::SimElection;
using testing::TempDir;

// A running election tabella-ledger (support/ledger_args.h) with its stdout piped to us.
testing::ListeningProcess start_ledger(const std::filesystem::path& dir, const SimElection& sim,
                                       const std::string& checkpoint_interval = "100ms") {
  auto args = testing::election_ledger_args(TABELLA_LEDGER_BIN, dir, sim);
  args.checkpoint_interval = checkpoint_interval;
  return testing::ListeningProcess(testing::ledger_command(args));
}

TEST(ElectionCrashTest, KillNineKeepsEveryAcknowledgedBallotAndTheRecordVerifies) {
  testing::SimOptions o;
  o.kiosks = 2;
  o.ballots = 40;
  o.challenged = 4;
  auto sim = testing::simulate_election(o);
  TempDir dir;
  // The ledger key the simulated election entry names.
  ASSERT_TRUE(sim.ledger_signing_key().save_pem((dir.path() / "ledger.key").string()).ok());

  std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  std::size_t close = sim.find(record::EntryType::kPollsClose);
  std::map<std::size_t, std::uint64_t> acked;  // sim position -> acknowledged index
  std::mutex mu;
  {
    auto ledger = start_ledger(dir.path(), sim);
    ASSERT_NE(ledger.port(), 0);
    HttpClient setup(ledger.port());
    for (std::size_t i = 0; i < first_ballot; ++i) {
      auto r = setup.post("/v1/entries", entry_post_body(sim.entries[i]));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200u) << i << ": " << r->body;
      acked[i] = json::parse(r->body)["index"];
    }
    // One connection per kiosk, each kiosk's ballots in chain order.
    testing::KioskWriters writers(
        sim.entries, first_ballot, close, [&](std::size_t i, std::size_t) {
          thread_local HttpClient client(ledger.port());  // the writer thread's one connection
          auto r = client.post("/v1/entries", entry_post_body(sim.entries[i]));
          if (!r.ok()) return false;  // killed
          if (r->status != 200) {
            ADD_FAILURE() << i << ": " << r->body;
            return false;
          }
          std::lock_guard<std::mutex> lock(mu);
          acked[i] = json::parse(r->body)["index"];
          return true;
        });
    writers.wait_for(static_cast<int>(o.ballots / 2));
    int status = ledger.signal_and_wait(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status));
    writers.join();
  }

  auto ledger = start_ledger(dir.path(), sim);
  ASSERT_NE(ledger.port(), 0);
  HttpClient client(ledger.port());
  json status = json::parse(client.get("/v1/status")->body);
  std::uint64_t size = status["size"];
  EXPECT_GE(size, acked.size());
  json page = json::parse(client.get("/v1/entries?start=0&count=1000")->body);
  ASSERT_EQ(page["entries"].size(), size);
  for (const auto& [pos, index] : acked) {
    ASSERT_LT(index, size);
    EXPECT_EQ(page["entries"][index]["entry"], to_base64(sim.entries[pos]))
        << "acknowledged entry " << pos << " lost or moved";
  }
  // The rest of the ballots, in order; acknowledged or stored ones come back as duplicates. Then
  // the closing entries, bound to the log as the ledger ordered it (checks 30..34).
  std::vector<Bytes> rest(sim.entries.begin(),
                          sim.entries.begin() + static_cast<std::ptrdiff_t>(close));
  for (std::size_t i = 0; i < sim.entries.size(); ++i) {
    if (i == close) {
      page = json::parse(client.get("/v1/entries?start=0&count=1000")->body);
      std::vector<Bytes> log;
      for (const auto& e : page["entries"])
        log.push_back(*from_base64(e["entry"].get<std::string>()));
      for (auto& closing : testing::finish_over(sim, log)) rest.push_back(std::move(closing));
    }
    if (i >= rest.size()) break;
    auto r = client.post("/v1/entries", entry_post_body(rest[i]));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200u) << i << ": " << r->body;
    json j = json::parse(r->body);
    if (acked.count(i)) {
      EXPECT_EQ(j["index"], acked[i]);
      EXPECT_EQ(j["duplicate"], true);
    }
  }
  status = json::parse(client.get("/v1/status")->body);
  EXPECT_EQ(status["size"], sim.entries.size());
  EXPECT_EQ(status["phase"], "finished");
  std::this_thread::sleep_for(std::chrono::milliseconds(250));  // a /checkpoint at the end

  auto exported = client.get("/v1/export");
  ASSERT_EQ(exported->status, 200u);
  auto report = testing::verify_export(exported->body, dir.path() / "export.jsonl");
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_TRUE(report->ok()) << verify::format_report(*report);
  EXPECT_TRUE(report->complete);
  EXPECT_EQ(report->ballots_cast, o.ballots);
  EXPECT_GE(report->checkpoints, 2u);
  std::printf("[ info ] %zu acknowledged before SIGKILL, %llu stored after restart\n", acked.size(),
              static_cast<unsigned long long>(size));

  int st = ledger.signal_and_wait(SIGTERM);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 0);
}

// The real tabella-ledger restarted from stored state (docs/cluster.md section 1a): it reads its
// voter tokens from the token table, not from the log. It refuses a second ballot with a spent
// token (409 token_spent) and answers a stored ballot with its index. Then the table is tampered
// with while the process is down (the spent token set unspent): the next start detects it
// (stored_state_unusable), replays the log and still refuses the double vote.
TEST(LedgerRestartTest, RestartedLedgerRefusesSpentTokensAndDetectsATamperedTokenTable) {
  testing::SimOptions o;
  o.kiosks = 1;
  o.ballots = 8;
  o.challenged = 0;
  auto sim = testing::simulate_election(o);
  TempDir dir;
  ASSERT_TRUE(sim.ledger_signing_key().save_pem((dir.path() / "ledger.key").string()).ok());
  const std::size_t first_ballot = sim.find(record::EntryType::kCastBallot);
  const std::size_t stop_at = first_ballot + 4;
  const Digest spent_token =
      record::CastBallotBody::decode(sim.entry(first_ballot).body)->token_hash;
  // The kiosk's next ballot (chain position stop_at) with the first ballot's token.
  record::Entry next = sim.entry(stop_at);
  ASSERT_EQ(next.type, record::EntryType::kCastBallot);
  auto body = *record::CastBallotBody::decode(next.body);
  body.token_hash = spent_token;
  const Bytes double_vote = record::Entry::make(record::EntryType::kCastBallot, sim.q,
                                                body.encode(), *sim.keys.at(next.author))
                                .encode();
  auto check_refuses = [&](HttpClient& client) {
    auto r = client.post("/v1/entries", entry_post_body(double_vote));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 409u) << r->body;
    EXPECT_EQ(json::parse(r->body).value("reason", ""), "token_spent") << r->body;
    auto again = client.post("/v1/entries", entry_post_body(sim.entries[first_ballot]));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->status, 200u) << again->body;
    EXPECT_EQ(json::parse(again->body)["index"], first_ballot);
    EXPECT_EQ(json::parse(again->body)["duplicate"], true);
  };
  {
    auto ledger = start_ledger(dir.path(), sim);
    ASSERT_NE(ledger.port(), 0);
    HttpClient client(ledger.port());
    for (std::size_t i = 0; i < stop_at; ++i) {
      auto r = client.post("/v1/entries", entry_post_body(sim.entries[i]));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200u) << i << ": " << r->body;
    }
    EXPECT_TRUE(WIFSIGNALED(ledger.signal_and_wait(SIGKILL)));
  }
  {
    auto ledger = start_ledger(dir.path(), sim);
    ASSERT_NE(ledger.port(), 0);
    EXPECT_TRUE(ledger.wait_for_err("from_stored_state=true")) << ledger.output();
    HttpClient client(ledger.port());
    check_refuses(client);
    int st = ledger.signal_and_wait(SIGTERM);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  {
    auto storage = *server::SqliteStorage::open(dir.path());
    auto row = *storage->get_token(spent_token);
    ASSERT_TRUE(row && row->spent_at);
    row->spent_at.reset();
    ASSERT_TRUE(storage->put_state({server::token_row_write(*row)}).ok());
    ASSERT_TRUE(storage->close().ok());
  }
  auto ledger = start_ledger(dir.path(), sim);
  ASSERT_NE(ledger.port(), 0);
  EXPECT_TRUE(ledger.wait_for_err("stored_state_unusable")) << ledger.output();
  EXPECT_TRUE(ledger.wait_for_err("from_stored_state=false")) << ledger.output();
  HttpClient client(ledger.port());
  check_refuses(client);
  EXPECT_EQ(json::parse(client.get("/v1/status")->body)["tokens_spent"], 4);
}

// A small real file system (tmpfs), filled up: the disk is really full. Needs root (CI and the
// README's commands run as root); unmounted at the end.
class FullFileSystem {
 public:
  explicit FullFileSystem(const std::filesystem::path& at) : at_(at) {
    std::filesystem::create_directories(at_);
    std::string cmd = "mount -t tmpfs -o size=4m tabella-full " + at_.string() + " 2>/dev/null";
    mounted_ = std::system(cmd.c_str()) == 0;
  }
  ~FullFileSystem() {
    if (mounted_) (void)std::system(("umount " + at_.string()).c_str());
  }
  FullFileSystem(const FullFileSystem&) = delete;
  FullFileSystem& operator=(const FullFileSystem&) = delete;
  bool mounted() const { return mounted_; }
  // Writes a filler file until the file system refuses (ENOSPC).
  void fill() {
    int fd = ::open((at_ / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char> block(4096, 'x');
    while (::write(fd, block.data(), block.size()) > 0) {
    }
    for (char c = 'x'; ::write(fd, &c, 1) > 0;) {
    }
    ::close(fd);
  }
  void free_space() { std::filesystem::remove(at_ / "filler"); }

 private:
  std::filesystem::path at_;
  bool mounted_ = false;
};

// A restart during a disk-full incident keeps the public record online. The ledger was killed
// with entries that no stored checkpoint covers, so start-up must store one, on a file system
// that is full: it starts read-only, says so in /healthz, serves the entries, the checkpoint and
// an export that verifies, and refuses appends with 503; once space is freed, appends resume.
TEST(ElectionCrashTest, StartsReadOnlyOnAFullDiskAndServesTheRecord) {
  testing::SimOptions o;
  o.kiosks = 1;
  o.ballots = 6;
  o.challenged = 0;
  auto sim = testing::simulate_election(o);
  TempDir dir;
  FullFileSystem fs(dir.path() / "small");
  if (!fs.mounted()) GTEST_SKIP() << "mounting a 4 MiB tmpfs needs root";
  const auto data = dir.path() / "small" / "ledger";
  std::filesystem::create_directories(data);
  ASSERT_TRUE(sim.ledger_signing_key().save_pem((data / "ledger.key").string()).ok());
  const std::size_t stored = sim.find(record::EntryType::kCastBallot) + 3;
  {
    // No checkpoint is stored while it runs (1 h interval), and SIGKILL skips the one at exit.
    auto ledger = start_ledger(data, sim, "1h");
    ASSERT_NE(ledger.port(), 0);
    HttpClient client(ledger.port());
    for (std::size_t i = 0; i < stored; ++i) {
      auto r = client.post("/v1/entries", entry_post_body(sim.entries[i]));
      ASSERT_TRUE(r.ok());
      ASSERT_EQ(r->status, 200u) << i << ": " << r->body;
    }
    ledger.signal_and_wait(SIGKILL);
  }
  fs.fill();
  auto ledger = start_ledger(data, sim);
  ASSERT_NE(ledger.port(), 0) << "the ledger must start on a full disk";
  HttpClient client(ledger.port());
  json health = json::parse(client.get("/healthz")->body);
  EXPECT_EQ(health["status"], "read_only") << health;
  EXPECT_EQ(health["writable"], false);
  EXPECT_EQ(json::parse(client.get("/v1/status")->body)["size"], stored);
  json page = json::parse(client.get("/v1/entries?start=0&count=1000")->body);
  ASSERT_EQ(page["entries"].size(), stored);
  for (std::size_t i = 0; i < stored; ++i) {
    EXPECT_EQ(page["entries"][i]["entry"], to_base64(sim.entries[i])) << i;
  }
  std::string note = client.get("/checkpoint")->body;
  EXPECT_EQ(note.substr(note.find('\n') + 1, std::to_string(stored).size() + 1),
            std::to_string(stored) + "\n")
      << note;
  auto exported = client.get("/v1/export");
  ASSERT_EQ(exported->status, 200u) << exported->body;
  verify::Options vo;
  vo.in_progress = true;
  auto report = testing::verify_export(exported->body, dir.path() / "export.jsonl", vo);
  ASSERT_TRUE(report.ok()) << report.error().describe();
  EXPECT_TRUE(report->ok()) << verify::format_report(*report);
  // Appends are refused, precisely, and nothing is stored.
  auto refused = client.post("/v1/entries", entry_post_body(sim.entries[stored]));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(refused->status, 503u) << refused->body;
  EXPECT_EQ(json::parse(refused->body)["field"], "disk") << refused->body;
  EXPECT_EQ(json::parse(client.get("/v1/status")->body)["size"], stored);
  // Space is back: after the next probe (1 s), the same entry is stored.
  fs.free_space();
  Result<testing::HttpReply> appended = make_error(ErrorCode::kIo, "not sent");
  for (int i = 0; i < 100; ++i) {
    appended = client.post("/v1/entries", entry_post_body(sim.entries[stored]));
    if (appended.ok() && appended->status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(appended.ok());
  EXPECT_EQ(appended->status, 200u) << appended->body;
  EXPECT_EQ(json::parse(appended->body)["index"], stored);
  EXPECT_EQ(json::parse(client.get("/healthz")->body)["writable"], true);
  int st = ledger.signal_and_wait(SIGTERM);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
}

}  // namespace
}  // namespace tabella
