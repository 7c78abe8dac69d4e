// A small synchronous HTTP/1.1 client for the integration tests (keep-alive, one connection).
// Thread-safety: one client per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tabella/util/result.h"

namespace tabella::testing {

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-cased names
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string host = "127.0.0.1");
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request (connecting first if needed); kIo on any socket failure, after which the
  // next call reconnects.
  Result<HttpReply> request(const std::string& method, const std::string& target,
                            const std::string& body = {},
                            const std::vector<std::pair<std::string, std::string>>& headers = {});
  Result<HttpReply> get(const std::string& target) { return request("GET", target); }
  Result<HttpReply> post(const std::string& target, const std::string& body) {
    return request("POST", target, body);
  }

  // Writes raw bytes on a fresh connection and reads one response (for malformed requests).
  Result<HttpReply> raw(const std::string& bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tabella::testing
