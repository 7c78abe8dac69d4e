// The HTTP server in-process: real sockets on 127.0.0.1 (ephemeral port), real SQLite file.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/http_client.h"
#include "support/temp_dir.h"
#include "tabella/server/committer.h"
#include "tabella/server/http_server.h"
#include "tabella/server/ledger_api.h"
#include "tabella/server/log.h"
#include "tabella/server/metrics.h"
#include "tabella/server/sqlite_storage.h"
#include "tabella/server/thread_pool.h"

namespace tabella::server {
namespace {

using nlohmann::json;
using testing::HttpClient;
using testing::TempDir;

// One ledger process worth of parts, wired like run_ledger() does.
struct TestLedger {
  explicit TestLedger(const std::filesystem::path& dir, HttpServerOptions options = {},
                      Validator validator = accept_all, PreVerifier pre_verify = {})
      : storage(std::move(*SqliteStorage::open(dir))),
        pool(2),
        committer(*storage, std::move(validator), Committer::Options{}, &metrics) {
    register_ledger_api(router,
                        LedgerApi{*storage, committer, pool, metrics, std::move(pre_verify)});
    options.host = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<HttpServer>(options, router, &metrics);
    Status st = server->start();
    EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().describe());
  }
  ~TestLedger() { shutdown(); }
  void shutdown() {
    if (!server) return;
    server->stop();
    pool.stop();
    committer.stop();
    EXPECT_TRUE(storage->close().ok());
    server.reset();
  }
  std::uint16_t port() const { return server->port(); }

  std::unique_ptr<SqliteStorage> storage;
  Metrics metrics;
  ThreadPool pool;
  Committer committer;
  Router router;
  std::unique_ptr<HttpServer> server;
};

std::string entry_body(std::string_view bytes) {
  return json{{"entry", to_base64(as_bytes(bytes))}}.dump();
}

json body_of(const Result<testing::HttpReply>& r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? json::parse(r->body, nullptr, false) : json();
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { set_logging_enabled(false); }
  TempDir dir_;
};

TEST_F(ServerTest, AppendReadStatusOverHttp) {
  TestLedger ledger(dir_.path());
  HttpClient client(ledger.port());
  auto health = client.get("/healthz");
  ASSERT_TRUE(health.ok());
  EXPECT_EQ(health->status, 200u);

  for (int i = 0; i < 5; ++i) {
    auto r = client.post("/v1/entries", entry_body("entry " + std::to_string(i)));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 200u) << r->body;
    json j = json::parse(r->body);
    EXPECT_EQ(j["index"], i);
    EXPECT_EQ(j["duplicate"], false);
    EXPECT_EQ(j["sha256"], to_hex(sha256(as_bytes("entry " + std::to_string(i)))));
  }
  json again = body_of(client.post("/v1/entries", entry_body("entry 3")));
  EXPECT_EQ(again["index"], 3);
  EXPECT_EQ(again["duplicate"], true);

  json page = body_of(client.get("/v1/entries?start=1&count=2"));
  EXPECT_EQ(page["start"], 1);
  ASSERT_EQ(page["entries"].size(), 2u);
  EXPECT_EQ(page["entries"][0], to_base64(as_bytes("entry 1")));
  EXPECT_EQ(page["entries"][1], to_base64(as_bytes("entry 2")));
  EXPECT_EQ(body_of(client.get("/v1/status"))["size"], 5);

  std::string metrics = client.get("/metrics")->body;
  EXPECT_NE(metrics.find("tabella_ledger_entries_appended_total 5"), std::string::npos) << metrics;
  EXPECT_NE(
      metrics.find("tabella_ledger_http_requests_total{route=\"/v1/entries\",status=\"200\"}"),
      std::string::npos);
  EXPECT_NE(metrics.find("tabella_ledger_commit_batch_size_bucket"), std::string::npos);
}

TEST_F(ServerTest, JsonErrors) {
  TestLedger ledger(dir_.path());
  HttpClient client(ledger.port());
  struct Row {
    std::string method, target, body;
    unsigned status;
    std::string code, field;
  };
  const Row rows[] = {
      {"GET", "/nope", "", 404, "not_found", "path"},
      {"DELETE", "/v1/entries", "", 405, "method_not_allowed", "method"},
      {"POST", "/v1/entries", "not json", 400, "invalid_argument", "body"},
      {"POST", "/v1/entries", "[1]", 400, "invalid_argument", "body"},
      {"POST", "/v1/entries", R"({"entry": 5})", 400, "invalid_argument", "entry"},
      {"POST", "/v1/entries", R"({"entry": "!!"})", 400, "invalid_encoding", "entry"},
      {"POST", "/v1/entries", R"({"entry": ""})", 400, "invalid_argument", "entry"},
      {"POST", "/v1/entries", R"({"entry": "AA==", "x": 1})", 400, "invalid_argument", "x"},
      {"GET", "/v1/entries", "", 400, "invalid_argument", "start"},
      {"GET", "/v1/entries?start=-1", "", 400, "invalid_argument", "start"},
      {"GET", "/v1/entries?start=0&count=0", "", 400, "out_of_range", "count"},
      {"GET", "/v1/entries?start=0&count=1001", "", 400, "out_of_range", "count"},
      {"GET", "/v1/entries?start=7", "", 400, "out_of_range", "start"},
      {"GET", "/v1/entries?start=%zz", "", 400, "invalid_argument", "query.start"},
  };
  for (const Row& row : rows) {
    auto r = client.request(row.method, row.target, row.body);
    ASSERT_TRUE(r.ok()) << row.target;
    EXPECT_EQ(r->status, row.status) << row.method << " " << row.target << " " << row.body;
    json j = json::parse(r->body, nullptr, false);
    EXPECT_EQ(j["error"], row.code) << r->body;
    EXPECT_EQ(j["field"], row.field) << r->body;
    EXPECT_EQ(r->headers["content-type"], "application/json");
  }
  EXPECT_EQ(*ledger.storage->size(), 0u);
}

TEST_F(ServerTest, BodyOverLimitIs413AndNothingIsAppended) {
  HttpServerOptions options;
  options.limits.body_limit = 1000;
  TestLedger ledger(dir_.path(), options);
  HttpClient client(ledger.port());
  auto r = client.post("/v1/entries", entry_body(std::string(2000, 'x')));
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 413u);
  json j = json::parse(r->body);
  EXPECT_EQ(j["error"], "limit_exceeded");
  EXPECT_EQ(j["field"], "body");
  // The connection was closed; the client reconnects and a small request works.
  auto small = client.post("/v1/entries", entry_body("small"));
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 200u);
  EXPECT_EQ(*ledger.storage->size(), 1u);
}

TEST_F(ServerTest, HeaderOverLimitIs431) {
  HttpServerOptions options;
  options.limits.header_limit = 1024;
  TestLedger ledger(dir_.path(), options);
  HttpClient client(ledger.port());
  auto r = client.request("GET", "/healthz", "", {{"X-Big", std::string(4000, 'a')}});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 431u);
}

TEST_F(ServerTest, MalformedRequestIs400) {
  TestLedger ledger(dir_.path());
  HttpClient client(ledger.port());
  auto r = client.raw("GET / HTTP/1.1\r\nContent-Length: nope\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 400u);
  EXPECT_EQ(json::parse(r->body)["error"], "invalid_argument");
}

// Sends raw bytes on a fresh connection and reads everything until the server closes it (or
// 20 s pass: then `closed` is false).
struct RawExchange {
  std::string received;
  bool closed = false;
};
RawExchange exchange_until_close(std::uint16_t port, const std::string& bytes) {
  RawExchange out;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    ADD_FAILURE() << "connect failed";
    return out;
  }
  EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(bytes.size()));
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      out.closed = true;
      break;
    }
    if (n < 0) break;  // timeout: still open
    out.received.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::size_t count_responses(const std::string& received) {
  static const std::regex status_line("HTTP/1\\.1 [0-9]{3} ");
  return static_cast<std::size_t>(std::distance(
      std::sregex_iterator(received.begin(), received.end(), status_line), std::sregex_iterator()));
}

// RFC 9112 §6.3: a transfer coding other than chunked leaves the body's length unknown; the
// server answers 400 and closes, so a second request in the same packet is never served.
TEST_F(ServerTest, UnsupportedTransferEncodingIs400AndCloses) {
  TestLedger ledger(dir_.path());
  for (std::string coding : {"gzip", "gzip, chunked", "identity"}) {
    auto got = exchange_until_close(
        ledger.port(), "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + coding +
                           "\r\n\r\nGET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(got.closed) << coding << ": connection left open";
    EXPECT_EQ(count_responses(got.received), 1u) << coding << ": " << got.received;
    EXPECT_EQ(got.received.rfind("HTTP/1.1 400 ", 0), 0u) << coding << ": " << got.received;
    // "gzip, chunked" is framed by its final chunked coding: the smuggled request is then a
    // bad chunk (also 400 and closed); the others are refused by their coding.
    if (coding != "gzip, chunked") {
      EXPECT_NE(got.received.find("Transfer-Encoding"), std::string::npos) << got.received;
    }
  }
  EXPECT_EQ(ledger.metrics.refusals("bad_framing"), 2u);
  // Chunked alone is still served, and the connection stays usable.
  HttpClient client(ledger.port());
  auto r = client.raw(
      "POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 400u);  // an empty body is not an entry, but it was framed and routed
  EXPECT_EQ(json::parse(r->body, nullptr, false)["field"], "body") << r->body;
}

TEST_F(ServerTest, Http11WithoutHostIs400AndCloses) {
  TestLedger ledger(dir_.path());
  auto got = exchange_until_close(
      ledger.port(), "GET /healthz HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(got.closed);
  EXPECT_EQ(count_responses(got.received), 1u) << got.received;
  EXPECT_EQ(got.received.rfind("HTTP/1.1 400 ", 0), 0u) << got.received;
  EXPECT_NE(got.received.find("Host"), std::string::npos) << got.received;
  // HTTP/1.0 needs no Host.
  HttpClient client(ledger.port());
  auto r = client.raw("GET /healthz HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->status, 200u);
}

TEST_F(ServerTest, RequestIdEchoedOrGenerated) {
  TestLedger ledger(dir_.path());
  HttpClient client(ledger.port());
  auto echoed = client.request("GET", "/healthz", "", {{"X-Request-Id", "req-42"}});
  EXPECT_EQ(echoed->headers["x-request-id"], "req-42");
  auto generated = client.get("/healthz");
  EXPECT_EQ(generated->headers["x-request-id"].size(), 16u);
  auto other = client.get("/healthz");
  EXPECT_NE(other->headers["x-request-id"], generated->headers["x-request-id"]);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  HttpServerOptions options;
  options.max_requests_per_connection = 3;
  TestLedger ledger(dir_.path(), options);
  HttpClient client(ledger.port());
  for (int i = 0; i < 3; ++i) {
    auto r = client.get("/healthz");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->headers["connection"], i == 2 ? "close" : "") << i;
  }
  EXPECT_TRUE(client.get("/healthz").ok());  // reconnects
}

TEST_F(ServerTest, PreVerifierAndValidatorPlugIn) {
  auto pre = [](ByteView e) -> Status {
    if (to_string(e).find("unsigned") != std::string::npos) {
      return make_error(ErrorCode::kInvalidSignature, "signature does not verify", "signature");
    }
    return Status::success();
  };
  auto validator = [](ByteView e, BatchView&) -> Status {
    if (to_string(e) == "forbidden") return make_error(ErrorCode::kPermission, "not allowed");
    return Status::success();
  };
  TestLedger ledger(dir_.path(), {}, validator, pre);
  HttpClient client(ledger.port());
  auto r1 = client.post("/v1/entries", entry_body("unsigned thing"));
  EXPECT_EQ(r1->status, 422u);  // kInvalidSignature
  EXPECT_EQ(json::parse(r1->body)["field"], "entry.signature");
  auto r2 = client.post("/v1/entries", entry_body("forbidden"));
  EXPECT_EQ(r2->status, 403u);
  EXPECT_EQ(json::parse(r2->body)["error"], "permission_denied");
  EXPECT_EQ(client.post("/v1/entries", entry_body("fine"))->status, 200u);
  EXPECT_EQ(*ledger.storage->size(), 1u);
}

TEST_F(ServerTest, ConcurrentClientsAllAcknowledgedExactlyOnce) {
  TestLedger ledger(dir_.path());
  constexpr int kClients = 8, kEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> acks{0};
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client(ledger.port());
      for (int i = 0; i < kEach; ++i) {
        auto r = client.post("/v1/entries",
                             entry_body("c" + std::to_string(c) + "/" + std::to_string(i)));
        if (r.ok() && r->status == 200) ++acks;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(acks.load(), kClients * kEach);
  EXPECT_EQ(*ledger.storage->size(), static_cast<std::uint64_t>(kClients * kEach));
  std::printf("[ info ] %d appends over HTTP in %llu commits\n", kClients * kEach,
              static_cast<unsigned long long>(ledger.metrics.commits()));
}

TEST_F(ServerTest, RestartWithSameDataDirKeepsEverything) {
  std::vector<std::string> entries;
  {
    TestLedger ledger(dir_.path());
    HttpClient client(ledger.port());
    for (int i = 0; i < 20; ++i) {
      entries.push_back("persist " + std::to_string(i));
      ASSERT_EQ(client.post("/v1/entries", entry_body(entries.back()))->status, 200u);
    }
  }
  TestLedger ledger(dir_.path());
  HttpClient client(ledger.port());
  json page = body_of(client.get("/v1/entries?start=0&count=1000"));
  ASSERT_EQ(page["entries"].size(), entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(page["entries"][i], to_base64(as_bytes(entries[i])));
  }
  json dup = body_of(client.post("/v1/entries", entry_body("persist 7")));
  EXPECT_EQ(dup["index"], 7);
  EXPECT_EQ(dup["duplicate"], true);
}

TEST_F(ServerTest, StopAnswersInFlightRequestsAndClosesIdleOnes) {
  // A validator that holds the committer for a while, so the request is in flight during stop().
  std::atomic<bool> entered{false};
  auto slow = [&](ByteView, BatchView&) -> Status {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return Status::success();
  };
  TestLedger ledger(dir_.path(), {}, slow);
  HttpClient idle(ledger.port());
  ASSERT_TRUE(idle.get("/healthz").ok());  // an idle keep-alive connection stays open
  Result<testing::HttpReply> reply = make_error(ErrorCode::kIo, "not run");
  std::thread t([&] {
    HttpClient client(ledger.port());
    reply = client.post("/v1/entries", entry_body("in flight"));
  });
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto start = std::chrono::steady_clock::now();
  ledger.server->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5))
      << "idle connections must not hold up shutdown";
  t.join();
  ASSERT_TRUE(reply.ok()) << reply.error().describe();
  EXPECT_EQ(reply->status, 200u);
  EXPECT_EQ(*ledger.storage->size(), 1u);
}

}  // namespace
}  // namespace tabella::server
