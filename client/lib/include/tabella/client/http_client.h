// A small synchronous HTTP/1.1 client over Boost.Beast for the ledger's API: one keep-alive
// connection, plain TCP or TLS, a timeout on every operation, a response body limit, and errors
// that say which server could not be reached and why:
//   "cannot reach ledger at http://127.0.0.1:8640: connection refused"
// Thread-safety: thread-compatible; one HttpClient per thread (it owns one connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tabella/util/result.h"

namespace tabella::client {

// "http://host:port[/prefix]" or "https://...". The port defaults to 80 / 443.
struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // name or IPv4/IPv6 literal (without brackets)
  std::uint16_t port = 0;
  std::string prefix;  // path prefix without a trailing '/', often empty
  std::string text;    // the normalised URL, for messages

  // kInvalidArgument (field "url") for anything else, naming what is wrong.
  static Result<Url> parse(std::string_view url);
};

struct HttpOptions {
  std::chrono::milliseconds timeout{30000};  // per connect, write and read
  std::uint64_t body_limit = 64u << 20;      // largest response body accepted in memory
  std::string peer_name = "server";          // in messages: "cannot reach <peer_name> at <url>"
  std::string ca_file;                       // extra trusted CA (PEM) for https; empty: system
  bool verify_tls = true;                    // false only for tests with self-signed certs
  // A 503 with Retry-After (the server is busy: full queue, too many connections; nothing was
  // done) is sent again after the delay it asks for, at most busy_retries times and while the
  // delays add up to at most max_retry_wait; then that 503 is returned. Every request of the
  // ledger's API may be repeated: an entry sent twice is stored once (docs/api.md).
  int busy_retries = 5;
  std::chrono::milliseconds max_retry_wait{20000};
};

struct HttpResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
  // Retry-After in seconds (the delta-seconds form; an HTTP date is ignored), if sent.
  std::optional<std::chrono::seconds> retry_after;
  int retries = 0;  // how many times a busy server's 503 made the client send it again
};

// "120" -> 120 s; anything else (an HTTP-date, junk, more than a day) -> nullopt.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

class HttpClient {
 public:
  static Result<HttpClient> create(std::string_view base_url, HttpOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request to prefix + target (target starts with '/'). A connection the server
  // closed while idle is re-opened once, transparently; a busy server's 503 + Retry-After is
  // retried as HttpOptions says. Any HTTP status is a success here; kIo when the server cannot
  // be reached or the exchange fails, kLimit past body_limit.
  Result<HttpResponse> get(std::string_view target);
  Result<HttpResponse> post_json(std::string_view target, std::string body);

  // GET target and stream a 200 response body into `path` (created or truncated); no body
  // limit. The response for any other status is returned with its body read (bounded).
  Result<HttpResponse> download(std::string_view target, const std::filesystem::path& path);

  const Url& url() const;

 private:
  struct Impl;
  explicit HttpClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella::client
