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
};

struct HttpResponse {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

class HttpClient {
 public:
  static Result<HttpClient> create(std::string_view base_url, HttpOptions options = {});
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request to prefix + target (target starts with '/'). A connection the server
  // closed while idle is re-opened once, transparently. Any HTTP status is a success here; kIo
  // when the server cannot be reached or the exchange fails, kLimit past body_limit.
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
