// Router, HTTP parsing and config parsing without any socket.
#include "tabella/server/router.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tabella/server/config.h"
#include "tabella/server/http_parse.h"
#include "tabella/server/log.h"
#include "tabella/server/storage.h"

namespace tabella::server {
namespace {

using nlohmann::json;

Response call(const Router& router, const Request& req) {
  Response out;
  bool called = false;
  router.handle(req, [&](Response r) {
    EXPECT_FALSE(called) << "responder called twice";
    called = true;
    out = std::move(r);
  });
  EXPECT_TRUE(called);
  return out;
}

Request make(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = path;
  r.target = std::move(path);
  return r;
}

void expect_json_error(const Response& r, unsigned status, const std::string& code,
                       const std::string& field) {
  EXPECT_EQ(r.status, status);
  EXPECT_EQ(r.content_type, "application/json");
  json body = json::parse(r.body);
  EXPECT_EQ(body.at("error"), code);
  EXPECT_FALSE(body.at("message").get<std::string>().empty());
  EXPECT_EQ(body.at("field"), field);
}

Router demo_router() {
  Router router;
  router.add("GET", "/hello",
             [](const Request&, Responder respond) { respond(json_ok(R"({"hi":1})")); });
  router.add("POST", "/hello",
             [](const Request& req, Responder respond) { respond(json_ok(req.body)); });
  router.add("GET", "/throws",
             [](const Request&, Responder) -> void { throw std::runtime_error("boom"); });
  router.add("GET", "/twice", [](const Request&, Responder respond) {
    respond(json_ok("1"));
    respond(json_ok("2"));
  });
  return router;
}

TEST(Router, DispatchesByMethodAndPath) {
  Router router = demo_router();
  Response r = call(router, make("GET", "/hello"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"hi":1})");
  EXPECT_EQ(r.route, "/hello");
  Request post = make("POST", "/hello");
  post.body = "echo";
  EXPECT_EQ(call(router, post).body, "echo");
}

TEST(Router, UnknownPathIs404Json) {
  Response r = call(demo_router(), make("GET", "/nope"));
  expect_json_error(r, 404, "not_found", "path");
  EXPECT_EQ(r.route, "unmatched");
}

TEST(Router, WrongMethodIs405WithAllow) {
  Response r = call(demo_router(), make("DELETE", "/hello"));
  expect_json_error(r, 405, "method_not_allowed", "method");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "Allow");
  EXPECT_EQ(r.headers[0].second, "GET, POST");
}

TEST(Router, ThrowingHandlerIs500) {
  expect_json_error(call(demo_router(), make("GET", "/throws")), 500, "internal", "");
}

TEST(Router, SecondResponseIsDropped) {
  Response r = call(demo_router(), make("GET", "/twice"));  // call() fails on a second call
  EXPECT_EQ(r.body, "1");
}

TEST(Router, AsynchronousCompletion) {
  Router router;
  Responder saved;
  router.add("GET", "/later", [&](const Request&, Responder respond) { saved = respond; });
  bool done = false;
  router.handle(make("GET", "/later"), [&](Response r) {
    done = true;
    EXPECT_EQ(r.status, 202u);
    EXPECT_EQ(r.route, "/later");
  });
  EXPECT_FALSE(done);
  saved(json_ok("{}", 202));
  EXPECT_TRUE(done);
}

TEST(ErrorMapping, StatusPerCode) {
  struct Row {
    ErrorCode code;
    unsigned status;
  };
  const Row rows[] = {{ErrorCode::kInvalidArgument, 400}, {ErrorCode::kInvalidEncoding, 400},
                      {ErrorCode::kInvalidProof, 422},    {ErrorCode::kInvalidSignature, 422},
                      {ErrorCode::kOutOfRange, 400},      {ErrorCode::kNotFound, 404},
                      {ErrorCode::kPermission, 403},      {ErrorCode::kConflict, 409},
                      {ErrorCode::kLimit, 413},           {ErrorCode::kIo, 500},
                      {ErrorCode::kCrypto, 500},          {ErrorCode::kUnavailable, 503}};
  for (const Row& row : rows) {
    Response r = error_response(make_error(row.code, "why", "where"));
    expect_json_error(r, row.status, error_code_name(row.code), "where");
    EXPECT_EQ(error_code_from_name(error_code_name(row.code)), row.code);
  }
  EXPECT_EQ(error_code_from_name("no_such_code"), std::nullopt);
}

// Whether a refusal is worth retrying is the error's kind, whatever its field: kUnavailable is
// 503 with Retry-After (its retry_after, at least 1 s); no other kind carries Retry-After.
TEST(ErrorMapping, UnavailableIs503WithRetryAfterWhateverTheField) {
  auto retry_after = [](const Response& r) -> std::string {
    for (const auto& [k, v] : r.headers) {
      if (k == kRetryAfterHeader) return v;
    }
    return "";
  };
  Response r = error_response(make_unavailable("try later", "anything", 7));
  expect_json_error(r, 503, "unavailable", "anything");
  EXPECT_EQ(retry_after(r), "7");
  EXPECT_EQ(retry_after(error_response(make_unavailable("soon", "", 0))), "1");
  EXPECT_EQ(retry_after(error_response(disk_full_error("full"))), "30");
  // The old special cases by field name are gone: a kIo error on "cluster" or "disk" is a 500.
  for (const char* field : {"cluster", "disk"}) {
    Response io = error_response(make_error(ErrorCode::kIo, "broken", field));
    expect_json_error(io, 500, "io_error", field);
    EXPECT_EQ(retry_after(io), "");
  }
}

TEST(ErrorMapping, InvalidUtf8InMessageDoesNotThrow) {
  Response r = json_error(400, "invalid_argument", std::string("bad \xff byte"), "f");
  json parsed;
  EXPECT_NO_THROW(parsed = json::parse(r.body));
}

TEST(HttpParse, CompleteRequest) {
  auto r = parse_http_request(
      "POST /v1/entries?start=5&x=a%20b HTTP/1.1\r\nHost: h\r\nX-Request-Id: abc-1\r\n"
      "Content-Length: 4\r\n\r\nbody",
      HttpLimits{});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->path, "/v1/entries");
  EXPECT_EQ(r->query.at("start"), "5");
  EXPECT_EQ(r->query.at("x"), "a b");
  EXPECT_EQ(r->body, "body");
  EXPECT_EQ(r->request_id, "abc-1");
  EXPECT_EQ(r->header("HOST"), "h");
}

TEST(HttpParse, GeneratesRequestIdWhenMissingOrInvalid) {
  auto r = parse_http_request("GET / HTTP/1.1\r\nHost: x\r\nX-Request-Id: bad id!\r\n\r\n",
                              HttpLimits{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->request_id.size(), 16u);
  EXPECT_NE(r->request_id, "bad id!");
}

TEST(HttpParse, BodyOverLimitIs413) {
  HttpLimits limits;
  limits.body_limit = 10;
  auto r = parse_http_request("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n01234567890", limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimit);
  expect_json_error(parse_error_response(r.error()), 413, "limit_exceeded", "body");
  // Exactly at the limit is fine.
  EXPECT_TRUE(parse_http_request(
                  "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789", limits)
                  .ok());
}

TEST(HttpParse, HeadersOverLimitIs431) {
  HttpLimits limits;
  limits.header_limit = 64;
  auto r =
      parse_http_request("GET / HTTP/1.1\r\nX-Long: " + std::string(100, 'a') + "\r\n\r\n", limits);
  ASSERT_FALSE(r.ok());
  expect_json_error(parse_error_response(r.error()), 431, "limit_exceeded", "headers");
}

TEST(HttpParse, MalformedIs400) {
  const char* bad[] = {
      "", "GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a",  // incomplete
      "GET http://abs/ HTTP/1.1\r\nHost: x\r\n\r\n", "GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET /?a=%4 HTTP/1.1\r\nHost: x\r\n\r\n",
      // RFC 9112: no Host in HTTP/1.1; a transfer coding other than chunked.
      "GET / HTTP/1.1\r\n\r\n", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"};
  for (const char* raw : bad) {
    auto r = parse_http_request(raw, HttpLimits{});
    ASSERT_FALSE(r.ok()) << raw;
    EXPECT_EQ(parse_error_response(r.error()).status, 400u) << raw;
  }
}

TEST(Config, ParseListen) {
  auto a = parse_listen("127.0.0.1:8640");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8640);
  auto b = parse_listen("[::1]:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
  // "[[::1]]:80" and "a]:80": brackets are the IPv6 literal's, never part of the host.
  for (const char* bad : {"127.0.0.1", "127.0.0.1:65536", ":80", "::1:80", "h:-1", "h:8a",
                          "[[::1]]:80", "a]:80", "[a]b]:80"}) {
    auto r = parse_listen(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "listen");
  }
}

TEST(Config, ParseDurationAndSize) {
  EXPECT_EQ(*parse_duration("1s"), std::chrono::milliseconds(1000));
  EXPECT_EQ(*parse_duration("250ms"), std::chrono::milliseconds(250));
  EXPECT_EQ(*parse_duration("2m"), std::chrono::milliseconds(120000));
  EXPECT_EQ(*parse_duration("3"), std::chrono::milliseconds(3000));
  EXPECT_FALSE(parse_duration("1 s").ok());
  EXPECT_FALSE(parse_duration("s").ok());
  EXPECT_FALSE(parse_duration("-1s").ok());
  EXPECT_EQ(*parse_size("1M"), 1u << 20);
  EXPECT_EQ(*parse_size("512K"), 512u << 10);
  EXPECT_EQ(*parse_size("100"), 100u);
  EXPECT_FALSE(parse_size("1X").ok());
  EXPECT_FALSE(parse_size("99999999999999999999").ok());
}

TEST(Config, KeyValueText) {
  auto r = parse_config_text("# comment\nlisten = 127.0.0.1:0\n\ndata_dir = \"/var/x y\"\n");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0], (std::pair<std::string, std::string>{"listen", "127.0.0.1:0"}));
  EXPECT_EQ((*r)[1], (std::pair<std::string, std::string>{"data-dir", "/var/x y"}));
  auto bad = parse_config_text("listen 127.0.0.1:0\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "line 1");
}

TEST(Config, JsonText) {
  auto r = parse_config_text(R"({"listen": "127.0.0.1:1", "threads": 4})");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].first, "listen");
  EXPECT_EQ((*r)[1], (std::pair<std::string, std::string>{"threads", "4"}));
  EXPECT_FALSE(parse_config_text(R"({"threads": [1]})").ok());
  EXPECT_FALSE(parse_config_text(R"({"threads": )").ok());
  EXPECT_FALSE(parse_config_text(R"({"": "x"})").ok());  // an empty key names no option
}

TEST(Log, KeyValueLineWithQuoting) {
  std::string line = format_log_line(LogLevel::kWarn, "request",
                                     {{"id", "abc"}, {"msg", "two words"}, {"q", "a\"b"}});
  EXPECT_EQ(line.rfind("ts=", 0), 0u);
  EXPECT_NE(line.find(" level=warn event=request id=abc msg=\"two words\" q=\"a\\\"b\""),
            std::string::npos)
      << line;
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace tabella::server
