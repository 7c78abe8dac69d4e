// The real tabella-ledger binary as a child process: killed with SIGKILL in the middle of a
// stream of appends, restarted on the same data dir; every acknowledged entry must be there at its
// acknowledged index. Also: SIGTERM shuts down cleanly with exit status 0.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "support/http_client.h"
#include "support/listening_process.h"
#include "support/temp_dir.h"
#include "tabella/util/bytes.h"

namespace tabella {
namespace {

using nlohmann::json;
using testing::HttpClient;
using testing::TempDir;

// A running tabella-ledger (generic entries) with its stdout piped to us.
class LedgerProcess : public testing::ListeningProcess {
 public:
  explicit LedgerProcess(const std::filesystem::path& data_dir)
      : ListeningProcess({TABELLA_LEDGER_BIN, "--listen", "127.0.0.1:0", "--data-dir",
                          data_dir.string(), "--threads", "2"}) {}
};

std::string entry_body(const std::string& bytes) {
  return json{{"entry", to_base64(as_bytes(bytes))}}.dump();
}

TEST(CrashTest, KillNineKeepsEveryAcknowledgedAppend) {
  TempDir dir;
  std::mutex mu;
  std::map<std::string, std::uint64_t> acked;  // entry -> acknowledged index
  {
    LedgerProcess ledger(dir.path());
    ASSERT_NE(ledger.port(), 0);
    std::atomic<bool> stop{false};
    std::atomic<int> count{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w) {
      writers.emplace_back([&, w] {
        HttpClient client(ledger.port());
        for (int i = 0; !stop; ++i) {
          std::string e = "w" + std::to_string(w) + "/" + std::to_string(i);
          auto r = client.post("/v1/entries", entry_body(e));
          if (!r.ok()) return;  // the server died
          if (r->status != 200) continue;
          std::lock_guard<std::mutex> lock(mu);
          acked[e] = json::parse(r->body)["index"].get<std::uint64_t>();
          ++count;
        }
      });
    }
    while (count < 200) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    int status = ledger.signal_and_wait(SIGKILL);  // mid-stream: writers are still posting
    EXPECT_TRUE(WIFSIGNALED(status));
    stop = true;
    for (auto& t : writers) t.join();
  }
  ASSERT_GE(acked.size(), 200u);

  LedgerProcess ledger(dir.path());
  ASSERT_NE(ledger.port(), 0);
  HttpClient client(ledger.port());
  std::uint64_t size = json::parse(client.get("/v1/status")->body)["size"];
  EXPECT_GE(size, acked.size());  // unacknowledged ones may or may not have made it
  std::vector<std::string> stored;
  for (std::uint64_t start = 0; start < size; start += 1000) {
    json page =
        json::parse(client.get("/v1/entries?start=" + std::to_string(start) + "&count=1000")->body);
    for (const auto& e : page["entries"])
      stored.push_back(to_string(*from_base64(e.get<std::string>())));
  }
  ASSERT_EQ(stored.size(), size);
  std::set<std::string> unique(stored.begin(), stored.end());
  EXPECT_EQ(unique.size(), stored.size()) << "an entry is stored twice";
  for (const auto& [entry, index] : acked) {
    ASSERT_LT(index, stored.size()) << entry;
    EXPECT_EQ(stored[index], entry) << "acknowledged entry lost or moved";
  }
  // Idempotent resubmission returns the original index.
  int checked = 0;
  for (const auto& [entry, index] : acked) {
    if (++checked > 20) break;
    json r = json::parse(client.post("/v1/entries", entry_body(entry))->body);
    EXPECT_EQ(r["index"], index);
    EXPECT_EQ(r["duplicate"], true);
  }
  std::printf("[ info ] %zu acknowledged before SIGKILL, %llu stored after restart\n", acked.size(),
              static_cast<unsigned long long>(size));
}

TEST(CrashTest, SigtermExitsZeroAndKeepsData) {
  TempDir dir;
  {
    LedgerProcess ledger(dir.path());
    HttpClient client(ledger.port());
    ASSERT_EQ(client.post("/v1/entries", entry_body("kept"))->status, 200u);
    int status = ledger.signal_and_wait(SIGTERM);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  LedgerProcess ledger(dir.path());
  HttpClient client(ledger.port());
  json page = json::parse(client.get("/v1/entries?start=0")->body);
  ASSERT_EQ(page["entries"].size(), 1u);
  EXPECT_EQ(page["entries"][0], to_base64(as_bytes("kept")));
}

}  // namespace
}  // namespace tabella
