// The tests' HTTP client: tabella_http's Client, set up for a server on loopback that a test
// watches closely — every reply as it comes (no resending after a busy 503), every header.
// Thread-safety: one client per thread.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tabella/http/client.h"

namespace tabella::testing {

using HttpReply = http::Response;

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1")
      : client_(http::Client::create(endpoint(std::move(host), port), options())) {}

  // Sends one request (connecting first if needed; a connection the server closed while idle
  // is opened again); kIo on any socket failure, after which the next call reconnects.
  http::Outcome<HttpReply> request(
      const std::string& method, const std::string& target, const std::string& body = {},
      const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    return client_.request(
        http::Request{method, target, body, body.empty() ? "" : "application/json", headers});
  }
  http::Outcome<HttpReply> get(const std::string& target) { return request("GET", target); }
  http::Outcome<HttpReply> post(const std::string& target, const std::string& body) {
    return request("POST", target, body);
  }

  // Writes raw bytes on a fresh connection and reads one response (for malformed requests).
  http::Outcome<HttpReply> raw(const std::string& bytes) { return client_.exchange_raw(bytes); }

 private:
  static http::Url endpoint(std::string host, std::uint16_t port) {
    http::Url u;
    u.scheme = "http";
    u.host = std::move(host);
    u.port = port;
    u.text = "http://" + u.authority();
    return u;
  }
  static http::Options options() {
    http::Options o;
    o.busy_retries = 0;  // the tests check the 503s themselves
    return o;
  }

  http::Client client_;
};

}  // namespace tabella::testing
